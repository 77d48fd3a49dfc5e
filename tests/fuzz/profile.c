/* rig_profile_parse on any bytes (not NUL-terminated: the parser takes a
 * length), then rig_profile_check_model against a few models. */
#include "rig/core/profile.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const models[] = {
	"MMS-120-2001-SCC", "MMD-120-2001-T-SCC", "MD-240-F-1-SO-021-00", "MS-120-F-3-XO-041-00",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_bytes(data, size);
	struct rig_profile *p = malloc(sizeof(*p));
	struct rig_error err = { 0 };
	int rc = rig_profile_parse(text, size, "fuzz.profile", p, &err);
	fuzz_need_message(rc, err.msg, "rig_profile_parse");
	if (rc == 0) {
		for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
			struct rig_meter_model m;
			if (rig_model_decode(models[i], &m, &err))
				abort();
			memset(&err, 0, sizeof(err));
			rc = rig_profile_check_model(p, &m, &err);
			fuzz_need_message(rc, err.msg, "rig_profile_check_model");
			for (int k = 0; k < p->n_points; k++) {
				rig_point_current_a(&p->points[k], &m);
				rig_point_element_mask(&p->points[k], &m);
				rig_point_kind_name(p->points[k].kind);
			}
		}
	}
	free(p);
	free(text);
	return 0;
}
