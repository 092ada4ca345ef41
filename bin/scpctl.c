/*
 * scpctl: the administrator's tool.
 *
 *   scpctl [-c CONFIG] migrate [-d SQLDIR]      pending SQLDIR/NNN_name.sql, then every
 *                                               SQLDIR/functions/NN_name.sql
 *   scpctl [-c CONFIG] user add --email E --role R [--password P | --password-stdin]
 *                               [--first-name F] [--last-name L] [--supplier-name S]
 *   scpctl [-c CONFIG] seed-demo
 *   scpctl [-c CONFIG] check-config [--connect]   exit 0 sound, 1 problems, 2 usage,
 *                                               3 the database did not answer
 *   scpctl example-config                       every key at its default, commented
 *   scpctl --version | --help
 */
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_webpush.h"
#include "scp_db.h"
#include "scp_password.h"
#include "scp_route.h"
#include "scp_secret.h"
#include "scp_validate.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SCP_SQLDIR
#define SCP_SQLDIR "/usr/local/share/scp/sql"
#endif

#define DEMO_PASSWORD "Password123"

static PGconn *connect_db(void)
{
	PGconn *c = PQconnectdb(scp_cfg.database_url);

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "scpctl: cannot connect to the database: %s", PQerrorMessage(c));
		PQfinish(c);
		exit(1);
	}
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	return c;
}

static bool exec_ok(PGconn *c, const char *sql, int n, const char *const *params,
		    PGresult **out)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);

	if (!scp_db_result_ok(r)) {
		fprintf(stderr, "scpctl: %s", PQerrorMessage(c));
		PQclear(r);
		return false;
	}
	if (out)
		*out = r;
	else
		PQclear(r);
	return true;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct scp_buf b = SCP_BUF_INIT;
	char chunk[8192];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		scp_buf_add(&b, chunk, n);
	fclose(f);
	if (!b.cap)
		scp_buf_grow(&b, 1);
	return b.ptr;
}

/* Apply one migration file in its own transaction, recording it. */
static bool apply(PGconn *c, const char *dir, const char *name)
{
	char path[4096], *sql;
	PGresult *r;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	sql = read_file(path);
	if (!sql) {
		fprintf(stderr, "scpctl: cannot read %s\n", path);
		return false;
	}
	ok = exec_ok(c, "BEGIN", 0, NULL, NULL);
	if (ok) {
		r = PQexec(c, sql);
		ok = scp_db_result_ok(r);
		if (!ok)
			fprintf(stderr, "scpctl: %s: %s", name, PQerrorMessage(c));
		PQclear(r);
	}
	ok = ok && exec_ok(c, "INSERT INTO schema_migrations (version) VALUES ($1)", 1,
			   (const char *const[]){ name }, NULL);
	ok = ok && exec_ok(c, "COMMIT", 0, NULL, NULL);
	if (!ok)
		PQclear(PQexec(c, "ROLLBACK"));
	else
		printf("applied %s\n", name);
	free(sql);
	return ok;
}

static int sql_file(const struct dirent *e)
{
	size_t len = strlen(e->d_name);

	return e->d_name[0] != '.' && len > 4 && !strcmp(e->d_name + len - 4, ".sql");
}

/*
 * Run every .sql file of sqldir/functions, in name order, in one transaction: the current
 * definition of every function, view and trigger, written with CREATE OR REPLACE (as
 * PostgreSQL's own system_functions.sql), on every migrate.  A definition changes in one
 * place, its file, and a database that is up to date takes the change; a failing file
 * leaves the previous definitions in place.
 */
static bool apply_functions(PGconn *c, const char *sqldir)
{
	char dir[4096];
	struct dirent **list;
	int n;
	bool ok;

	snprintf(dir, sizeof(dir), "%s/functions", sqldir);
	n = scandir(dir, &list, sql_file, alphasort);
	if (n < 0) {
		fprintf(stderr, "scpctl: cannot open %s: %s\n", dir, strerror(errno));
		return false;
	}
	ok = exec_ok(c, "BEGIN", 0, NULL, NULL);
	for (int i = 0; i < n; i++) {
		char path[8192], *sql = NULL;
		PGresult *r;

		if (ok && (size_t)snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name) <
			      sizeof(path))
			sql = read_file(path);
		if (ok && !sql) {
			fprintf(stderr, "scpctl: cannot read %s/%s\n", dir, list[i]->d_name);
			ok = false;
		}
		if (ok) {
			r = PQexec(c, sql);
			ok = scp_db_result_ok(r);
			if (!ok)
				fprintf(stderr, "scpctl: functions/%s: %s", list[i]->d_name,
					PQerrorMessage(c));
			PQclear(r);
		}
		free(sql);
		free(list[i]);
	}
	free(list);
	ok = ok && exec_ok(c, "COMMIT", 0, NULL, NULL);
	if (!ok)
		PQclear(PQexec(c, "ROLLBACK"));
	else
		printf("applied %d function files of %s\n", n, dir);
	return ok;
}

static int cmd_migrate(const char *dir)
{
	PGconn *c = connect_db();
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[1024];
	int n = 0, applied = 0, rc = 0;

	if (!d) {
		fprintf(stderr, "scpctl: cannot open %s (use -d SQLDIR)\n", dir);
		PQfinish(c);
		return 1;
	}
	while ((e = readdir(d)) && n < 1024) {
		size_t len = strlen(e->d_name);

		if (len > 8 && e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
		    !strcmp(e->d_name + len - 4, ".sql"))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), name_cmp);
	/* One migrator at a time, across hosts. */
	if (!exec_ok(c, "SELECT pg_advisory_lock(7295001)", 0, NULL, NULL) ||
	    !exec_ok(c, "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY,"
			" applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL, NULL))
		rc = 1;
	for (int i = 0; i < n && !rc; i++) {
		PGresult *r;

		if (!exec_ok(c, "SELECT 1 FROM schema_migrations WHERE version = $1", 1,
			     (const char *const[]){ names[i] }, &r)) {
			rc = 1;
			break;
		}
		if (PQntuples(r) == 0) {
			if (!apply(c, dir, names[i]))
				rc = 1;
			else
				applied++;
		}
		PQclear(r);
	}
	/* After the migrations, so that the definitions meet the schema they are for. */
	if (!rc && !apply_functions(c, dir))
		rc = 1;
	for (int i = 0; i < n; i++)
		free(names[i]);
	if (!rc)
		printf("database is up to date (%d applied now)\n", applied);
	PQfinish(c);
	return rc;
}

static const char *add_user(PGconn *c, const char *email, const char *password,
			    const char *role, const char *first, const char *last,
			    const char *phone, const char *supplier, bool quiet_exists)
{
	char hash[SCP_HASH_MAX];
	static char id[64];
	PGresult *r;

	if (!scp_password_hash(password, scp_cfg.password_cost, hash)) {
		fprintf(stderr, "scpctl: cannot hash the password\n");
		return NULL;
	}
	if (!exec_ok(c,
		     "INSERT INTO users (email, password_hash, role, first_name, last_name,"
		     " phone_number, phone_verified, supplier_id)"
		     " VALUES ($1, $2, $3, $4, $5, $6::text, $6::text IS NOT NULL, $7)"
		     " ON CONFLICT DO NOTHING RETURNING id", 7,
		     (const char *const[]){ email, hash, role, first, last, phone, supplier }, &r))
		return NULL;
	if (PQntuples(r) == 0) {
		PQclear(r);
		if (!quiet_exists)
			fprintf(stderr, "scpctl: a user with this email or phone exists\n");
		return quiet_exists ? "" : NULL;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return id;
}

static const char *supplier_for(PGconn *c, const char *name)
{
	static char id[64];
	PGresult *r;

	if (!exec_ok(c, "WITH f AS (SELECT id FROM suppliers WHERE name = $1 LIMIT 1),"
			" i AS (INSERT INTO suppliers (name) SELECT $1"
			"       WHERE NOT EXISTS (SELECT 1 FROM f) RETURNING id)"
			" SELECT id FROM f UNION ALL SELECT id FROM i", 1,
		     (const char *const[]){ name }, &r))
		return NULL;
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return id;
}

static int cmd_user_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "email", required_argument, NULL, 'e' },
		{ "password", required_argument, NULL, 'p' },
		{ "password-stdin", no_argument, NULL, 'P' },
		{ "role", required_argument, NULL, 'r' },
		{ "first-name", required_argument, NULL, 'f' },
		{ "last-name", required_argument, NULL, 'l' },
		{ "phone", required_argument, NULL, 'n' },
		{ "supplier-name", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *email = NULL, *password = NULL, *role = NULL, *first = NULL, *last = NULL;
	const char *phone = NULL, *sname = NULL, *sup = NULL, *why, *id;
	static char line[256];
	PGconn *c;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'e': email = optarg; break;
		case 'p': password = optarg; break;
		case 'P':
			if (!fgets(line, sizeof(line), stdin))
				line[0] = '\0';
			line[strcspn(line, "\r\n")] = '\0';
			password = line;
			break;
		case 'r': role = optarg; break;
		case 'f': first = optarg; break;
		case 'l': last = optarg; break;
		case 'n': phone = optarg; break;
		case 's': sname = optarg; break;
		default: return 2;
		}
	}
	if (!email || !password || !role) {
		fprintf(stderr, "usage: scpctl user add --email E --role R "
			"(--password P | --password-stdin) [--first-name F] [--last-name L]"
			" [--phone +E164] [--supplier-name S]\n");
		return 2;
	}
	if (!scp_valid_email(email)) {
		fprintf(stderr, "scpctl: %s is not a valid email address\n", email);
		return 2;
	}
	if (!scp_role_bit(role)) {
		fprintf(stderr, "scpctl: unknown role %s (consumer, owner, manager, sales_rep, "
			"client, vendor, agent, admin)\n", role);
		return 2;
	}
	if ((why = scp_password_policy(password))) {
		fprintf(stderr, "scpctl: the password %s\n", why);
		return 2;
	}
	if (scp_role_is_staff(role) && !sname) {
		fprintf(stderr, "scpctl: role %s needs --supplier-name\n", role);
		return 2;
	}
	c = connect_db();
	if (scp_role_is_staff(role) && !(sup = supplier_for(c, sname))) {
		PQfinish(c);
		return 1;
	}
	id = add_user(c, email, password, role, first, last, phone, sup, false);
	PQfinish(c);
	if (!id)
		return 1;
	printf("created %s %s (%s)\n", role, email, id);
	return 0;
}

struct demo {
	const char *role, *email, *first, *phone;
	bool staff;
};

static const struct demo demo_users[] = {
	{ "admin", "admin@example.com", "Ada", "+919800000001", false },
	{ "agent", "agent@example.com", "Arun", "+919800000002", false },
	{ "vendor", "vendor@example.com", "Vijay", "+919800000003", false },
	{ "client", "client@example.com", "Chitra", "+919800000004", false },
	{ "consumer", "consumer@example.com", "Carla", "+15550000005", false },
	{ "owner", "supplier.owner@example.com", "Omar", "+15550000006", true },
	{ "manager", "supplier.manager@example.com", "Maya", "+15550000007", true },
	{ "sales_rep", "supplier.sales@example.com", "Sam", "+15550000008", true },
};

/* Run every .sql file of sqldir/seed (idempotent demo data of each family), by name. */
static bool run_seed_files(PGconn *c, const char *sqldir)
{
	char dir[4096];
	struct dirent **list;
	int n;
	bool ok = true;

	snprintf(dir, sizeof(dir), "%s/seed", sqldir);
	n = scandir(dir, &list, NULL, alphasort);
	if (n < 0)
		return true;	/* no seed data beyond the users */
	for (int i = 0; i < n; i++) {
		size_t len = strlen(list[i]->d_name);
		char path[8192], *sql;
		PGresult *r;

		if (ok && len > 4 && !strcmp(list[i]->d_name + len - 4, ".sql")) {
			sql = (size_t)snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name) <
				      sizeof(path) ? read_file(path) : NULL;
			r = sql ? PQexec(c, sql) : NULL;
			ok = r && scp_db_result_ok(r);
			if (!ok)
				fprintf(stderr, "scpctl: %s: %s", path, PQerrorMessage(c));
			PQclear(r);
			free(sql);
		}
		free(list[i]);
	}
	free(list);
	return ok;
}

static int cmd_seed_demo(const char *sqldir)
{
	PGconn *c = connect_db();
	const char *sup = supplier_for(c, "Fresh Farms Wholesale");
	char supid[64];

	if (!sup) {
		PQfinish(c);
		return 1;
	}
	snprintf(supid, sizeof(supid), "%s", sup);
	printf("Demo logins (password %s for every one):\n", DEMO_PASSWORD);
	for (size_t i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++) {
		const struct demo *d = &demo_users[i];

		if (!add_user(c, d->email, DEMO_PASSWORD, d->role, d->first, "Demo", d->phone,
			      d->staff ? supid : NULL, true)) {
			PQfinish(c);
			return 1;
		}
		printf("  %-10s %-30s %s\n", d->role, d->email, d->phone);
	}
	if (!run_seed_files(c, sqldir)) {
		PQfinish(c);
		return 1;
	}
	PQfinish(c);
	return 0;
}

/* libpq's message on one line, without its trailing newline. */
static void put_one_line(FILE *f, const char *msg)
{
	for (; *msg; msg++) {
		if (*msg != '\n') {
			fputc(*msg, f);
			continue;
		}
		while (msg[1] == ' ' || msg[1] == '\t')
			msg++;
		if (msg[1])
			fputs(" | ", f);
	}
}

/*
 * database_url as libpq reads it: a malformed one (an unknown keyword, an unterminated
 * quote, a bad URI) is a problem here, not at the first request.  The parsed keywords are
 * shown without the password.
 */
static bool check_database_url(struct scp_buf *errs)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(scp_cfg.database_url, &err);

	if (!opts) {
		scp_buf_addf(errs, "database_url: libpq cannot parse it: ");
		for (const char *p = err ? err : "out of memory"; *p; p++)
			if (*p != '\n')
				scp_buf_addc(errs, *p);
		scp_buf_addc(errs, '\n');
		PQfreemem(err);
		return false;
	}
	printf("\ndatabase_url as libpq reads it:");
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (o->val && *o->val && strcmp(o->keyword, "password"))
			printf(" %s=%s", o->keyword, o->val);
	printf("\n");
	PQconninfoFree(opts);
	return true;
}

/* --connect: open a session with database_url and say what answered. */
static bool check_connect(void)
{
	PGconn *c;
	PGresult *r;

	/* The report so far first: stderr's lines must not land inside it. */
	fflush(stdout);
	c = PQconnectdb(scp_cfg.database_url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "database: cannot connect: ");
		put_one_line(stderr, PQerrorMessage(c));
		fputc('\n', stderr);
		PQfinish(c);
		return false;
	}
	r = PQexec(c, "SELECT current_setting('server_version'),"
		      " to_regclass('schema_migrations') IS NOT NULL");
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		printf("database: OK (PostgreSQL %s%s)\n", PQgetvalue(r, 0, 0),
		       *PQgetvalue(r, 0, 1) == 't' ? "" : "; not migrated yet: scpctl migrate");
	else
		printf("database: OK\n");
	PQclear(r);
	PQfinish(c);
	return true;
}

/*
 * check-config [--connect]: exit 0 when the configuration is sound (and, with --connect,
 * the database answered), 1 when it has problems (database_url included), 2 on a usage
 * error, 3 when it is sound but the database could not be reached.
 */
static int cmd_check_config(int argc, char **argv)
{
	struct scp_buf errs = SCP_BUF_INIT, out = SCP_BUF_INIT;
	bool connect = false, ok;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--connect")) {
			connect = true;
		} else {
			fprintf(stderr, "usage: scpctl [-c CONFIG] check-config [--connect]\n");
			return 2;
		}
	}
	ok = scp_config_validate(&errs);
	scp_config_dump(&out);
	fputs(out.ptr, stdout);
	ok &= check_database_url(&errs);
	fflush(stdout);
	if (!ok)
		fprintf(stderr, "\nproblems:\n%s", errs.ptr);
	else
		printf("\nconfiguration OK\n");
	scp_buf_release(&errs);
	scp_buf_release(&out);
	if (!ok)
		return 1;
	return !connect || check_connect() ? 0 : 3;
}

/*
 * scpctl seal --aad AAD: seal the secret read from stdin (one trailing newline dropped)
 * with secrets_key, as the sync family stores it, and print the "v1:…" text.  For an
 * operator moving a store's credentials in by SQL; aad is "<row id>:<field>".
 */
static int cmd_seal(int argc, char **argv)
{
	struct scp_buf in = SCP_BUF_INIT, out = SCP_BUF_INIT;
	const char *aad = NULL;
	char chunk[4096];
	size_t n;
	int rc = 0;

	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--aad"))
			aad = argv[i + 1];
	if (!aad || !*aad) {
		fprintf(stderr, "usage: scpctl seal --aad ID:FIELD < secret\n");
		return 2;
	}
	if (!scp_secret_ready()) {
		fprintf(stderr, "scpctl seal: secrets_key is not configured\n");
		return 1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0 && in.len < 65536)
		scp_buf_add(&in, chunk, n);
	if (in.len && in.ptr[in.len - 1] == '\n')
		in.ptr[--in.len] = 0;
	if (!in.len || !scp_secret_seal(in.ptr, in.len, aad, &out)) {
		fprintf(stderr, "scpctl seal: nothing sealed\n");
		rc = 1;
	} else {
		printf("%s\n", out.ptr);
	}
	memset(in.ptr, 0, in.len);
	scp_buf_release(&in);
	scp_buf_release(&out);
	return rc;
}

/*
 * The example scp.conf, made from the keys table itself (through scp_config_dump of the
 * defaults) so that the installed example and scp.conf(5), both generated from this at
 * build time, cannot drift from the keys the programs read.  The environment is cleared
 * first: an SCP_<KEY> of the caller's must not become a "default".
 */
static int cmd_example_config(void)
{
	struct scp_buf errs = SCP_BUF_INIT, out = SCP_BUF_INIT;
	char *line, *save = NULL;

	clearenv();
	if (!scp_config_load("/dev/null", &errs)) {
		fprintf(stderr, "defaults do not load:\n%s", errs.ptr);
		scp_buf_release(&errs);
		return 1;
	}
	scp_buf_release(&errs);
	scp_config_dump(&out);
	printf("# scp.conf: the configuration of every SCP program; see scp.conf(5).\n"
	       "#\n"
	       "# One \"key = value\" a line; lines starting with # are comments.  Every key\n"
	       "# below is commented out at its default: uncomment and change what you need.\n"
	       "# The environment variable SCP_<KEY> (upper case) overrides a key.  The\n"
	       "# values of keys marked (secret) are never shown by `scpctl check-config`.\n"
	       "# Check the file with: scpctl -c FILE check-config\n");
	/* Each dump line is "name = value    # help"; a secret's value is "(empty)". */
	for (line = strtok_r(out.ptr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strstr(line, " = "), *help = eq ? strstr(eq, "    # ") : NULL;
		char *name_end = strchr(line, ' '), *val;
		bool secret;

		if (!eq || !help || !name_end)
			continue;
		*name_end = '\0';
		*help = '\0';
		val = eq + 3;
		secret = !strcmp(val, "(empty)") || !strcmp(val, "(set, hidden)");
		printf("\n# %s%s\n#%s =%s%s\n", help + 6, secret ? " (secret)" : "", line,
		       secret || !*val ? "" : " ", secret ? "" : val);
	}
	scp_buf_release(&out);
	scp_config_free();
	return 0;
}

/* vapid-keys: a new P-256 pair for web push, ready to paste into scp.conf. */
static int cmd_vapid_keys(void)
{
	struct scp_buf pub = SCP_BUF_INIT, priv = SCP_BUF_INIT;
	bool ok = scp_webpush_keygen(&pub, &priv);

	if (ok)
		printf("vapid_public_key = %s\nvapid_private_key = %s\n", pub.ptr, priv.ptr);
	else
		fprintf(stderr, "scpctl: could not generate a P-256 key pair\n");
	scp_buf_release(&pub);
	scp_buf_release(&priv);
	return ok ? 0 : 1;
}

/* --help: on stdout, exit 0; no command or an unknown one: on stderr, exit 2. */
static void usage(FILE *to)
{
	fprintf(to,
		"usage: scpctl [-c CONFIG] COMMAND\n"
		"       scpctl --version | --help\n"
		"  migrate [-d SQLDIR]   apply pending migrations, then SQLDIR/functions/*.sql\n"
		"                        (default %s)\n"
		"  user add ...          create a user (scpctl user add for the options)\n"
		"  seed-demo [-d SQLDIR] demo users of every role, then SQLDIR/seed/*.sql\n"
		"  check-config          show the effective configuration and its problems\n"
		"    [--connect]         and try database_url (exit 3 when it does not answer)\n"
		"  example-config        print an example scp.conf: every key at its default\n"
		"  seal --aad ID:FIELD   seal the secret on stdin with secrets_key (v1:…)\n"
		"  vapid-keys            print a new VAPID key pair as scp.conf lines\n"
		"  -c CONFIG             configuration file (default %s; $SCP_CONFIG\n"
		"                        overrides it, SCP_<KEY> variables override its keys)\n"
		"See scpctl(8) and scp.conf(5).\n",
		SCP_SQLDIR, scp_config_default_path());
}

int main(int argc, char **argv)
{
	struct scp_buf errs = SCP_BUF_INIT;
	const char *config = NULL, *cmd, *sqldir;
	bool loaded;
	int i = 1, rc;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("scpctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "example-config"))
		return cmd_example_config();
	if (argc > 2 && !strcmp(argv[1], "-c")) {
		config = argv[2];
		i = 3;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[i];
	sqldir = getenv("SCP_SQL_DIR") ? getenv("SCP_SQL_DIR") : SCP_SQLDIR;
	loaded = scp_config_load(config, &errs);
	if (!loaded) {
		fprintf(stderr, "configuration problems:\n%s", errs.ptr);
		scp_buf_release(&errs);
		return !strcmp(cmd, "check-config") ? 1 : 2;
	}
	scp_buf_release(&errs);
	if (i + 2 < argc && !strcmp(argv[i + 1], "-d"))
		sqldir = argv[i + 2];
	if (!strcmp(cmd, "migrate")) {
		rc = cmd_migrate(sqldir);
	} else if (!strcmp(cmd, "user") && i + 1 < argc && !strcmp(argv[i + 1], "add")) {
		rc = cmd_user_add(argc - i - 1, argv + i + 1);
	} else if (!strcmp(cmd, "seed-demo")) {
		rc = cmd_seed_demo(sqldir);
	} else if (!strcmp(cmd, "seal")) {
		rc = cmd_seal(argc - i, argv + i);
	} else if (!strcmp(cmd, "vapid-keys")) {
		rc = cmd_vapid_keys();
	} else if (!strcmp(cmd, "check-config")) {
		rc = cmd_check_config(argc - i, argv + i);
	} else {
		usage(stderr);
		rc = 2;
	}
	scp_config_free();
	return rc;
}
