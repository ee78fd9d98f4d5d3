/* text.c - valid UTF-8 without control characters, and its escaping for terminals (text.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "xalloc.h"

size_t
qtm_utf8_seq(const char *s, size_t n, unsigned *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c, min;
	size_t len;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		len = 1, c = p[0], min = 0;
	else if ((p[0] & 0xe0) == 0xc0)
		len = 2, c = p[0] & 0x1f, min = 0x80;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, c = p[0] & 0x0f, min = 0x800;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, c = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (cp != NULL)
		*cp = c;
	return len;
}

static bool
control(unsigned c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

bool
qtm_utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0, len; i < n; i += len)
		if ((len = qtm_utf8_seq(s + i, n - i, NULL)) == 0)
			return false;
	return true;
}

bool
qtm_text_clean(const char *s, size_t n, unsigned flags, size_t *offset)
{
	for (size_t i = 0, len; i < n; i += len) {
		unsigned c;

		if ((len = qtm_utf8_seq(s + i, n - i, &c)) == 0 ||
		    (control(c) && !((flags & QTM_TEXT_TAB_NEWLINE) != 0 && (c == '\t' || c == '\n')))) {
			if (offset != NULL)
				*offset = i;
			return false;
		}
	}
	return true;
}

char *
qtm_term_escape(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = xmalloc(4 * n + 1);

	for (size_t i = 0, len; i < n; i += len) {
		unsigned c = 0;

		len = qtm_utf8_seq(s + i, n - i, &c);
		if (len == 0 || control(c)) {
			len = len == 0 ? 1 : len;   /* a byte that is not UTF-8 is escaped on its own */
			for (size_t k = 0; k < len; k++)
				o += (size_t)sprintf(out + o, "\\x%02x", (unsigned char)s[i + k]);
		} else {
			memcpy(out + o, s + i, len);
			o += len;
		}
	}
	out[o] = '\0';
	return out;
}

const char *
qtm_term_safe(const char *s)
{
	static char *slots[QTM_TERM_SAFE_SLOTS];
	static size_t next;

	if (s == NULL || qtm_text_clean(s, strlen(s), 0, NULL))
		return s;
	free(slots[next]);
	slots[next] = qtm_term_escape(s);
	s = slots[next];
	next = (next + 1) % QTM_TERM_SAFE_SLOTS;
	return s;
}

char *
qtm_json_text_safe(const char *json)
{
	size_t n = strlen(json), o = 0;
	char *out = xmalloc(6 * n + 1);
	bool in_string = false;

	for (size_t i = 0, len; i < n; i += len) {
		unsigned c = 0;

		len = qtm_utf8_seq(json + i, n - i, &c);
		if (len == 0) {
			len = 1;
			o += (size_t)sprintf(out + o, "\\ufffd");
		} else if (in_string && control(c)) {   /* outside strings: the layout's own \n and \t */
			o += (size_t)sprintf(out + o, "\\u%04x", c);
		} else {
			if (c == '"')
				in_string = !in_string;
			else if (in_string && c == '\\' && i + 1 < n)
				len = 2;   /* an escape: its second character is not a quote */
			memcpy(out + o, json + i, len);
			o += len;
		}
	}
	out[o] = '\0';
	return out;
}

bool
qtm_json_has_nul_escape(const char *s, size_t n)
{
	/* Backslashes occur only inside strings, each starting one escape: a linear scan finds all. */
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '\\') {
			if (s[i + 1] == 'u' && i + 5 < n && memcmp(s + i + 2, "0000", 4) == 0)
				return true;
			i++;
		}
	return false;
}
