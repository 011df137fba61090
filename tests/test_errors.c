// SPDX-License-Identifier: MIT
/* Every error code has a distinct name and a sentence; unknown codes too. */
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"

static void every_error_has_a_distinct_name_and_text(void)
{
	for (int e = 0; e > SEGOFF_E__LAST; e--) {
		const char *n = segoff_error_name(e);
		CHECK(n && *n && strcmp(n, "unknown_error") != 0);
		CHECK(segoff_strerror(e) && *segoff_strerror(e));
		for (int f = 0; f > e; f--)
			CHECK(strcmp(n, segoff_error_name(f)) != 0);
	}
	CHECK(strcmp(segoff_error_name(SEGOFF_E__LAST), "unknown_error") == 0);
	CHECK(strcmp(segoff_error_name(5), "unknown_error") == 0);
	CHECK(strcmp(segoff_error_name(SEGOFF_E_TRUNCATED), "truncated") == 0);
	CHECK(strcmp(segoff_version(), SEGOFF_VERSION_STRING) == 0);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(every_error_has_a_distinct_name_and_text),
	};
	return check_main(argc, argv, "errors", tests, 1);
}
