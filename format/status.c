/*
 * status.c: the project-wide status codes' descriptions and the version.
 */
#include "attache.h"

const char *att_status_str(att_status st)
{
	switch (st) {
	case ATT_OK: return "success";
	case ATT_ENOMEM: return "out of memory";
	case ATT_EIO: return "input/output error";
	case ATT_ECORRUPT: return "corrupt index file";
	case ATT_EVERSION: return "unsupported index format version";
	case ATT_ENOTFOUND: return "not found";
	case ATT_EINVAL: return "invalid argument";
	case ATT_EUTF8: return "invalid UTF-8";
	case ATT_EPARSE: return "query syntax error";
	case ATT_EINPUT: return "malformed input record";
	case ATT_ELOCKED: return "index is locked by another writer";
	case ATT_ELIMIT: return "size limit exceeded";
	case ATT_EEMPTY: return "empty query or input";
	}
	return "unknown status";
}

const char *att_version(void)
{
	return ATT_VERSION_STRING;
}
