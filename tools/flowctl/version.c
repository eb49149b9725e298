// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl version: the versions of flowctl and of the loaded module.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/flowmon.h>

#include "flowctl.h"
#include "json.h"
#include "netlink.h"

#define MODULE_VERSION_FILE "/sys/module/flowmon/version"

struct versions {
	bool loaded;
	unsigned int genl;		/* the family's version, when loaded */
	char module[64];		/* MODULE_VERSION, "" if unknown */
};

/* The module's MODULE_VERSION, left empty when the file is missing. */
static void read_module_version(char *buf, size_t len)
{
	FILE *f = fopen(MODULE_VERSION_FILE, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* Returns 0 or -1 after reporting an error. */
static int get_versions(struct versions *v)
{
	int loaded = flowmon_module_version(&v->genl);

	if (loaded < 0)
		return -1;
	v->loaded = loaded;
	if (loaded)
		read_module_version(v->module, sizeof(v->module));
	return 0;
}

static void warn_mismatch(const struct versions *v)
{
	if (!v->loaded)
		return;
	if (v->genl != FLOWMON_GENL_VERSION)
		fprintf(stderr, "flowctl: warning: the module speaks genl version %u, flowctl version %d: update one to match the other\n",
			v->genl, FLOWMON_GENL_VERSION);
	if (v->module[0] && strcmp(v->module, FLOWCTL_VERSION))
		fprintf(stderr, "flowctl: warning: module %s, flowctl %s: they are released together, use the same version\n",
			v->module, FLOWCTL_VERSION);
}

static void print_plain(const struct versions *v)
{
	printf("flowctl %s (genl version %d)\n", FLOWCTL_VERSION,
	       FLOWMON_GENL_VERSION);
	if (!v->loaded)
		puts("flowmon module not loaded");
	else
		printf("flowmon module %s (genl version %u)\n",
		       v->module[0] ? v->module : "unknown", v->genl);
}

static void print_json(const struct versions *v)
{
	struct json j;
	struct writer w;

	writer_init(&w, stdout);
	json_object_begin(&j, &w);
	json_string(&j, "flowctl", FLOWCTL_VERSION);
	json_u64(&j, "genl_version", FLOWMON_GENL_VERSION);
	json_bool(&j, "module_loaded", v->loaded);
	if (v->loaded && v->module[0])
		json_string(&j, "module", v->module);
	if (v->loaded)
		json_u64(&j, "module_genl_version", v->genl);
	json_object_end(&j);
	write_char(&w, '\n');
	writer_flush(&w);
}

static int cmd_version(const struct command *cmd, int argc, char **argv,
		       const struct options *opts)
{
	struct versions v = { .loaded = false };
	bool json = opts->json, help = false;
	int ret;

	ret = parse_simple_options(cmd, argc, argv, &json, &help);
	if (!ret)
		ret = no_arguments(cmd, argc, argv);
	if (ret)
		return ret;
	if (help)
		return print_command_help(cmd);
	if (get_versions(&v))
		return EXIT_FAILURE;
	if (json)
		print_json(&v);
	else
		print_plain(&v);
	warn_mismatch(&v);
	return EXIT_SUCCESS;
}

const struct command version_command = {
	.name = "version",
	.run = cmd_version,
	.summary = "show flowctl and module versions",
	.usage = "version [-j]",
	.help =
		"Show the version of flowctl and the genl family version it speaks,\n"
		"and, when the module is loaded, the module's version (from\n"
		MODULE_VERSION_FILE ") and the version of its genl family. Warns on\n"
		"stderr when they differ. Succeeds whether the module is loaded or not.\n"
		"\n"
		"Options:\n"
		"  -j, --json  print one JSON object\n"
		"  -h, --help  show this help\n",
};
