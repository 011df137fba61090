// SPDX-License-Identifier: MIT
/*
 * Runs a fuzz target without libFuzzer: every file given (or every file in
 * a directory given), then N seeded mutations of them (bit flips, byte
 * overwrites, truncations, insertions). CI builds it with ASan and UBSan, so
 * the corpus and its neighbourhood are exercised on every run.
 * usage: replay [--mutations N] [--seed S] PATH...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUTS 256
#define MAX_SIZE (1 << 17)

static uint8_t *inputs[MAX_INPUTS];
static size_t sizes[MAX_INPUTS];
static unsigned nr_inputs;

static void load(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char sub[4096];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			load(sub);
		}
		if (d)
			closedir(d);
		return;
	}
	if (nr_inputs == MAX_INPUTS || st.st_size > MAX_SIZE)
		return;
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	inputs[nr_inputs] = malloc((size_t)st.st_size + 1);
	sizes[nr_inputs] = fread(inputs[nr_inputs], 1, (size_t)st.st_size, f);
	fclose(f);
	nr_inputs++;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	unsigned long mutations = 20000;
	uint64_t seed = 0x5e60ff;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mutations") == 0 && i + 1 < argc)
			mutations = strtoul(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else
			load(argv[i]);
	}
	if (nr_inputs == 0) {
		fprintf(stderr, "replay: no inputs\n");
		return 1;
	}
	for (unsigned i = 0; i < nr_inputs; i++)
		LLVMFuzzerTestOneInput(inputs[i], sizes[i]);
	static uint8_t buf[MAX_SIZE + 64];
	for (unsigned long m = 0; m < mutations; m++) {
		unsigned k = (unsigned)(rnd(&seed) % nr_inputs);
		size_t n = sizes[k];
		memcpy(buf, inputs[k], n);
		unsigned edits = 1 + (unsigned)(rnd(&seed) % 8);
		for (unsigned e = 0; e < edits && n; e++) {
			size_t at = rnd(&seed) % n;
			switch (rnd(&seed) % 5) {
			case 0: buf[at] ^= (uint8_t)(1u << (rnd(&seed) % 8)); break;
			case 1: buf[at] = (uint8_t)rnd(&seed); break;
			case 2: n = at; break;                                   /* truncate */
			case 3: buf[at] = (uint8_t)(rnd(&seed) % 2 ? 0 : 0xff); break;
			case 4: if (n < MAX_SIZE) { memmove(buf + at + 1, buf + at, n - at); buf[at] = (uint8_t)rnd(&seed); n++; } break;
			}
		}
		/* the header bytes are where the lies live: mutate them more */
		if (n > 13 && rnd(&seed) % 2)
			buf[rnd(&seed) % 13] = (uint8_t)rnd(&seed);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("fuzz_replay: %u corpus inputs and %lu mutations ran clean\n", nr_inputs, mutations);
	printf("fuzz_replay: 1 passed, 0 failed\n");
	return 0;
}
