#include "test_store_data.h"

#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rig/common/station_key.h"
#include "rig/store/seal.h"

static void set_point(struct rig_point *p, const char *name, enum rig_point_kind kind,
		      double current_a, double pf, double band)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->kind = kind;
	p->voltage_v = 120;
	p->current_a = current_a;
	p->current_pct = -1;
	p->pf = pf;
	p->frequency_hz = 60;
	p->elements = 3;
	p->output_kh = 10;
	p->band_pct = band;
	p->target_u_pct = 0.1;
	p->max_gate_s = 120;
	p->min_edges = 2;
}

static void set_model(struct rig_meter_model *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->model, sizeof(m->model), "MMD-120-2001-T-SCC");
	m->format = RIG_MODEL_INDIVIDUAL;
	m->elements = 2;
	m->wiring = "1 or 2-phase 3-wire";
	m->voltage_v = 120;
	m->voltage_between = "line-to-neutral";
	m->element_voltage_v = 120;
	m->ct_primary_a = 200;
	m->ct_secondary_a = 0.1;
	m->rated_current_a = 200;
	m->max_current_a = 220;
	m->n_outputs = 2;
	m->outputs_kh[0] = 10;
	m->outputs_kh[1] = 100;
	m->t_outputs = true;
	m->meters_enclosed = 1;
}

void tsd_bench_init(struct tsd_bench *b, const char *serial0, const char *serial1,
		    int64_t started_ms)
{
	memset(b, 0, sizeof(*b));
	struct rig_profile *p = &b->profile;
	snprintf(p->name, sizeof(p->name), "ims-ct-production");
	snprintf(p->sha256, sizeof(p->sha256), "%064d", 7);
	p->n_points = TSD_POINTS;
	set_point(&p->points[0], "full load pf 1", RIG_POINT_ACCURACY, 100, 1.0, 0.5);
	set_point(&p->points[1], "light load pf 1", RIG_POINT_ACCURACY, 10, 1.0, 0.5);
	set_point(&p->points[2], "full load pf 0.5 lag", RIG_POINT_ACCURACY, 100, 0.5, 0.75);
	set_point(&p->points[3], "creep", RIG_POINT_CREEP, 0, 1.0, 0);

	struct rig_fixture *f = &b->fixture;
	snprintf(f->name, sizeof(f->name), "bench-a");
	snprintf(f->sha256, sizeof(f->sha256), "%064d", 9);
	snprintf(f->instrument_serial, sizeof(f->instrument_serial), "6105A-0042");
	snprintf(f->instrument_cal_due, sizeof(f->instrument_cal_due), "2027-03-01");
	f->n_positions = 2;

	b->plan.profile = p;
	b->plan.fixture = f;
	const char *serials[2] = {serial0, serial1};
	for (int i = 0; i < 2; i++) {
		if (!serials[i])
			continue;
		b->plan.pos[i].present = true;
		snprintf(b->plan.pos[i].serial, sizeof(b->plan.pos[i].serial), "%s", serials[i]);
		set_model(&b->plan.pos[i].model);
	}
	b->meta = (struct store_run_meta){
		.station = "station-1",
		.host = "rigpi",
		.instrument_idn = "FLUKE,6105A,0042,2.1",
		.operator_name = "J. Doe",
		.notes = "batch 17",
		.software_version = "test",
		.started_ms = started_ms,
	};
}

struct rig_point_result tsd_result(int point, int position, int attempt, double error_pct,
				   double u_pct, double current_a, enum rig_verdict v)
{
	struct rig_point_result r;
	memset(&r, 0, sizeof(r));
	r.point = point;
	r.position = position + 1;	/* the plan's index to the bench's number */
	r.attempt = attempt;
	r.verdict = v;
	r.current_a = current_a;
	r.reference_w = 120 * current_a * 2;
	if (point == 3) {
		r.edges_counted = 0;
		r.value = 0;
		snprintf(r.detail, sizeof(r.detail), "no edges in 120 s");
		return r;
	}
	r.gate.state = RIG_GATE_DONE;
	r.gate.error_pct = error_pct;
	r.gate.u_pct = u_pct;
	r.gate.edges_used = 40;
	r.gate.gate_s = 30;
	r.gate.duty = -1;
	r.value = NAN;
	snprintf(r.detail, sizeof(r.detail), "error %+.3f %% U %.3f %%", error_pct, u_pct);
	return r;
}

void tsd_tmpdir(char dir[64], char db_path[96])
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, 64, "%s/rig-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db_path, 96, "%s/results.db", dir);
}

static void sign_with(const void *msg, size_t len, uint8_t ret_sig[64], void *ctx)
{
	station_key_sign(ctx, msg, len, ret_sig);
}

void tsd_sign_heads(struct store *s, const char *dir)
{
	static struct station_key keys[4];
	static int next;
	struct station_key *key = &keys[next++ % 4];
	struct rig_error err = {0};
	char path[512];
	snprintf(path, sizeof(path), "%s/station.key", dir);
	int rc = access(path, F_OK) == 0 ? station_key_load(dir, key, &err) : station_key_init(dir, key, &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
	store_set_head_signer(s, key->pk_b64, sign_with, key);
	ck_assert_int_eq(store_station_set_key(s, "station-1", "rigpi", key->pk_b64, &err), 0);
}

void tsd_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char path[512];
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}
