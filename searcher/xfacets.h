/*
 * xfacets.h: facets on the Xapian backend (xfacets.c), for xsearch.c.
 */
#ifndef ATT_XFACETS_H
#define ATT_XFACETS_H

#include "attache_xapian.h"
#include "searcher.h"

enum xfkind { XF_VALUES, XF_YEAR, XF_MONTH, XF_DAY, XF_RANGES };

/* A facet asked for (the spec as facets.c reads it) and its spies. */
typedef struct xfacet {
	char name[ATT_FIELD_NAME_MAX + 8];
	uint32_t f;              /* the schema's field */
	unsigned type;
	enum xfkind kind;
	size_t limit;
	double bounds[64];
	size_t nbounds;
	size_t spy, nspy;        /* its spies: att_xfacets.spy[spy ..
	                            spy + nspy) */
} xfacet;

/* The facets asked for and the value slots their match spies count. */
typedef struct att_xfacets {
	xfacet *fc;
	size_t nfc;
	uint32_t *spy;
	size_t nspy;
} att_xfacets;

/* SPECS[0..N) checked against SC as natively (ATT_EINVAL with MSG), and
 * their slots in DB (a wrapper failure: *XST, its message in MSG). */
att_status att_xfacets_plan(att_xfacets *r, att_xstatus *xst, att_xdb *db,
                            const att_schema *sc, const char *const *specs,
                            size_t n, char *msg, size_t mcap);
/* The facets' answers from MS's spies (NULL: no match), as facets.c's:
 * an array of r->nfc; ATT_ENOMEM, ATT_ECORRUPT (a key not 8 bytes). */
att_status att_xfacets_answer(att_facet_res **out, const att_xfacets *r,
                              const att_xmset *ms);
void att_xfacets_release(att_xfacets *r);

#endif
