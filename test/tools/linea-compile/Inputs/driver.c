/* Calls a compiled wkv4 through its checked entry point from C: once with a
 * descriptor whose size is wrong, once correctly. */
#include "api.h"
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  static float w[16], u[16];
  static uint16_t k[2 * 8 * 16], v[2 * 8 * 16];
  linea_memref_f32_1d wd = {w, w, 0, {16}, {1}}, ud = {u, u, 0, {16}, {1}};
  linea_memref_bf16_3d kd = {k, k, 0, {2, 8, 16}, {128, 16, 1}};
  linea_memref_bf16_3d vd = {v, v, 0, {2, 8, 17}, {128, 16, 1}};
  wkv4_results results;
  char error[256];
  int rc = linea_wkv4(error, sizeof error, &results, &wd, &ud, &kd, &vd);
  printf("bad: rc=%d %s\n", rc, error);
  vd.sizes[2] = 16;
  rc = linea_wkv4(error, sizeof error, &results, &wd, &ud, &kd, &vd);
  printf("good: rc=%d sizes=%lld,%lld,%lld\n", rc, (long long)results.r0.sizes[0],
         (long long)results.r0.sizes[1], (long long)results.r0.sizes[2]);
  free(results.r0.allocated);
  free(results.r1.allocated);
  return 0;
}
