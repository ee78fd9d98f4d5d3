/* text.h - what strings from others (indexes, manifests, hive API bodies) may hold, and how
 * they are shown on a terminal: valid UTF-8 without control characters.
 *
 * Control characters here are the C0 controls U+0000..U+001F, DEL U+007F and the C1 controls
 * U+0080..U+009F: what a terminal may act on (ESC starts a sequence, CR overwrites a line). */
#ifndef QTM_TEXT_H
#define QTM_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0 when s does not start one
 * (a stray continuation byte, an overlong form, a surrogate, beyond U+10FFFF, cut short).
 * *cp, when not NULL, gets the code point. */
size_t qtm_utf8_seq(const char *s, size_t n, unsigned *cp);

/* s[0..n) is valid UTF-8 (a NUL byte is valid UTF-8, but see qtm_text_clean). */
bool qtm_utf8_valid(const char *s, size_t n);

/* s[0..n) is valid UTF-8 and holds no control character, NUL included; with
 * QTM_TEXT_TAB_NEWLINE in flags tab and newline are allowed (free text such as a message).
 * When it is not and offset is not NULL, *offset gets the byte offset of the first fault. */
#define QTM_TEXT_TAB_NEWLINE 1u
bool qtm_text_clean(const char *s, size_t n, unsigned flags, size_t *offset);

/* The JSON text s[0..n) holds the escape \u0000, which would silently cut the string cJSON
 * decodes it into. */
bool qtm_json_has_nul_escape(const char *s, size_t n);

/* s as it may be printed on a terminal: each control character and each byte that is not part
 * of valid UTF-8 is written \xHH (two lower-case hex digits per byte; a C1 control gives two).
 * Returns a string the caller frees. */
char *qtm_term_escape(const char *s);

/* The same for printing in place: s itself when it needs no escape (NULL stays NULL), else the
 * escaped copy, owned here and valid until QTM_TERM_SAFE_SLOTS further calls (not thread-safe:
 * for a front end's output). */
#define QTM_TERM_SAFE_SLOTS 32
const char *qtm_term_safe(const char *s);

/* JSON text (as cJSON prints it: C0 controls already \u-escaped) made safe to print: each
 * DEL or C1 control written \u00XX and each byte that is not part of valid UTF-8 written
 * \ufffd, so that the result is valid JSON (such bytes occur only inside strings).  Returns a
 * string the caller frees. */
char *qtm_json_text_safe(const char *json);

#endif
