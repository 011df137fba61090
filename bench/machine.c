// SPDX-License-Identifier: MIT
/* The CPU model, family and model number, as /proc/cpuinfo gives them: the
 * same model name covers CPUs of different generations under a hypervisor,
 * and the figures of the AVX-512 checksum differ by generation. */
#include <stdio.h>
#include <string.h>
#include "machine.h"

static void field(const char *line, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	if (strncmp(line, name, n) != 0)
		return;
	const char *v = line + n;
	while (*v == ' ' || *v == '\t') /* "model" must not match "model name" */
		v++;
	if (*v++ != ':')
		return;
	while (*v == ' ')
		v++;
	snprintf(out, size, "%.*s", (int)strcspn(v, "\n"), v);
}

const char *bench_cpu_model(char *buf, size_t size)
{
	char name[128] = "", family[16] = "", model[16] = "", line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f) && !(name[0] && family[0] && model[0])) {
		field(line, "model name", name, sizeof(name));
		field(line, "cpu family", family, sizeof(family));
		field(line, "model", model, sizeof(model));
	}
	if (f)
		fclose(f);
	if (!name[0])
		snprintf(buf, size, "unknown CPU");
	else if (family[0] && model[0])
		snprintf(buf, size, "%s (family %s model %s)", name, family, model);
	else
		snprintf(buf, size, "%s", name);
	return buf;
}
