/* RFC 8785 canonical JSON writer: strings, key order, numbers. */
#include "canonjson.h"
#include "tap.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>

static char *ser(struct cj *v)
{
	char *out = NULL, *err = NULL;
	if (cj_serialize(v, &out, NULL, &err) < 0) {
		free(err);
		out = xstrdup("<error>");
	}
	cj_free(v);
	return out;
}

static void check(struct cj *v, const char *want, const char *name)
{
	_cleanup_free_ char *got = ser(v);
	is_str(got, want, "%s", name);
}

/* ECMAScript Number::toString, values from RFC 8785 appendix B. */
static const struct {
	double d;
	const char *want;
} numbers[] = {
	{0.0, "0"},
	{-0.0, "0"},
	{1.0, "1"},
	{-1.5, "-1.5"},
	{5e-324, "5e-324"},
	{-5e-324, "-5e-324"},
	{1.7976931348623157e308, "1.7976931348623157e+308"},
	{-1.7976931348623157e308, "-1.7976931348623157e+308"},
	{9007199254740992.0, "9007199254740992"},
	{-9007199254740992.0, "-9007199254740992"},
	{295147905179352830000.0, "295147905179352830000"},
	{1e21, "1e+21"},
	{1e20, "100000000000000000000"},
	{9.999999999999997e22, "9.999999999999997e+22"},
	{1e23, "1e+23"},
	{0.000001, "0.000001"},
	{1e-7, "1e-7"},
	{0.1, "0.1"},
	{123.456, "123.456"},
	{333333333.3333333, "333333333.3333333"},
	{4.5, "4.5"},
	{2e-3, "0.002"},
	{0.000033333333333333335, "0.000033333333333333335"},
	{1.2345e-10, "1.2345e-10"},
};

int main(void)
{
	char buf[40];

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		cj_format_double(numbers[i].d, buf, sizeof(buf));
		if (!ok(strcmp(buf, numbers[i].want) == 0, "number %zu", i))
			printf("#   got:  %s\n#   want: %s\n", buf, numbers[i].want);
	}
	ok(cj_format_double(NAN, buf, sizeof(buf)) < 0, "NaN refused");
	ok(cj_format_double(INFINITY, buf, sizeof(buf)) < 0, "Infinity refused");
	{
		_cleanup_free_ char *err = NULL, *out = NULL;
		struct cj *a = cj_array();
		cj_array_add(a, cj_double(NAN));
		ok(cj_serialize(a, &out, NULL, &err) < 0 && err, "serialize refuses NaN");
		cj_free(a);
	}

	check(cj_null(), "null", "null");
	check(cj_bool(true), "true", "true");
	check(cj_bool(false), "false", "false");
	check(cj_int(0), "0", "int 0");
	check(cj_int(-42), "-42", "int -42");
	check(cj_int(9007199254740992LL), "9007199254740992", "int 2^53");
	check(cj_int(9007199254740993LL), "9007199254740992", "int 2^53+1 rounds like a double");
	check(cj_int(INT64_MAX), "9223372036854776000", "int64 max as a double");

	/* Strings: only '"', '\\' and controls are escaped; the rest verbatim. */
	check(cj_string("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"", "quote, backslash; slash verbatim");
	check(cj_string("\b\t\n\f\r"), "\"\\b\\t\\n\\f\\r\"", "short escapes");
	check(cj_string("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"", "other controls as \\u00xx, DEL verbatim");
	check(cj_stringn("a\0b", 3), "\"a\\u0000b\"", "NUL byte");
	check(cj_string("\xE2\x82\xAC\xF0\x9F\x98\x80"), "\"\xE2\x82\xAC\xF0\x9F\x98\x80\"",
	      "UTF-8 verbatim (euro, emoji)");
	check(cj_string("a\xFF" "b"), "\"a\xEF\xBF\xBD" "b\"", "invalid byte becomes U+FFFD");
	check(cj_string("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"", "overlong refused");
	check(cj_string("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"",
	      "encoded surrogate refused");
	check(cj_string("\xE2\x82"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"", "truncated sequence");

	/* Key order: UTF-16 code units (RFC 8785 section 3.2.3 example). */
	{
		struct cj *o = cj_object();
		cj_object_set(o, "\xE2\x82\xAC", cj_string("Euro Sign"));
		cj_object_set(o, "\r", cj_string("Carriage Return"));
		cj_object_set(o, "\xEF\xAC\xB3", cj_string("Hebrew Letter Dalet With Dagesh"));
		cj_object_set(o, "1", cj_string("One"));
		cj_object_set(o, "\xF0\x9F\x98\x80", cj_string("Emoji: Grinning Face"));
		cj_object_set(o, "\xC2\x80", cj_string("Control"));
		cj_object_set(o, "\xC3\xB6", cj_string("Latin Small Letter O With Diaeresis"));
		check(o,
		      "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xC2\x80\":\"Control\","
		      "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\","
		      "\"\xE2\x82\xAC\":\"Euro Sign\",\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\","
		      "\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}",
		      "RFC 8785 key order sample");
	}
	ok(cj_utf16_cmp("\xF0\x9F\x98\x80", 4, "\xEF\xAC\xB3", 3) < 0,
	   "astral sorts before U+FB33 in UTF-16");
	ok(cj_utf16_cmp("ab", 2, "abc", 3) < 0, "prefix sorts first");
	ok(cj_utf16_cmp("b", 1, "a", 1) > 0, "b after a");

	/* Nested values, replace, delete, steal. */
	{
		struct cj *o = cj_object(), *a = cj_array(), *inner = cj_object(), *stolen;
		cj_array_add(a, cj_int(1));
		cj_array_add(a, cj_string("x"));
		cj_array_add(a, cj_null());
		cj_object_set(inner, "z", cj_bool(true));
		cj_object_set(inner, "a", cj_array());
		cj_object_set(o, "list", a);
		cj_object_set(o, "obj", inner);
		cj_object_set(o, "k", cj_int(1));
		cj_object_set(o, "k", cj_int(2));
		cj_object_set(o, "gone", cj_int(3));
		cj_object_del(o, "gone");
		cj_object_del(o, "absent");
		cj_object_set(o, "empty", cj_object());
		stolen = cj_object_steal(o, "obj");
		ok(stolen != NULL && cj_object_steal(o, "obj") == NULL, "steal detaches once");
		cj_object_set(o, "obj", stolen);
		check(o, "{\"empty\":{},\"k\":2,\"list\":[1,\"x\",null],\"obj\":{\"a\":[],\"z\":true}}",
		      "nested, replaced key, deleted key");
	}
	check(cj_double(1e-7), "1e-7", "double value");
	return tap_done();
}
