/*
 * module.c: the entry point of a reader module (modules.c says why
 * they are modules). Built twice: with ATT_MODULE_PDF into attache-pdf.so,
 * with ATT_MODULE_MAIL into attache-mail.so. Everything else in a module
 * is hidden (-fvisibility=hidden).
 */
#include "module.h"

const att_reader_module *att_reader_module_v1(void)
    __attribute__((visibility("default")));

const att_reader_module *att_reader_module_v1(void)
{
#if defined(ATT_MODULE_PDF)
	static const att_reader_module m = { ATT_READER_MODULE_VERSION,
	                                     att_read_pdf, NULL };
#elif defined(ATT_MODULE_MAIL)
	static const att_reader_module m = { ATT_READER_MODULE_VERSION,
	                                     att_read_mail,
	                                     att_mbox_next_lines };
#else
#error "define ATT_MODULE_PDF or ATT_MODULE_MAIL"
#endif
	return &m;
}
