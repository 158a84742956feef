// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * recallctl: names in output. A file name is any bytes but '/' and NUL, so
 * text output escapes what a terminal or a line-based script would misread,
 * and JSON output (whose strings are Unicode) gives a name that is not UTF-8
 * as hex under another key rather than changing it.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "recallctl.h"

int rc_error(const char *fmt, ...)
{
	va_list ap;

	fputs("recallctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return RC_EXIT_ERROR;
}

void rc_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("recallctl: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void rc_put_text(FILE *f, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > ' ' && c < 0x7f && c != '\\')
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

/* The length of the UTF-8 sequence at @s (at most @len bytes), 0 if it is not valid. */
static size_t rc_utf8_seq(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool rc_utf8_valid(const unsigned char *p, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i += n)
		if (!(n = rc_utf8_seq(p + i, len - i)))
			return false;
	return true;
}

bool rc_put_json_string(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	if (!rc_utf8_valid(p, len))
		return false;
	fputc('"', f);
	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fprintf(f, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			fprintf(f, "\\u%04x", p[i]);
		else
			fputc(p[i], f);
	}
	fputc('"', f);
	return true;
}

void rc_put_hex(FILE *f, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(f, "%02x", b[i]);
}

void rc_put_json_bytes(FILE *f, const char *key, const void *s, size_t len)
{
	if (rc_utf8_valid(s, len)) {
		fprintf(f, "\"%s\":", key);
		rc_put_json_string(f, s, len);
		return;
	}
	/* Not UTF-8: the same bytes, in hex, under KEY_hex. */
	fprintf(f, "\"%s_hex\":\"", key);
	rc_put_hex(f, s, len);
	fputc('"', f);
}
