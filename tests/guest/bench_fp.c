// build: -lm
// An FP-heavy workload: an n-body step (double: add, mul, div, sqrt, fused
// multiply-add), a single-precision dot product and a polynomial by Horner's rule,
// STEPS times (argument 1, default 200), ending in checksums printed to 9 digits (the
// same on every correctly rounded RISC-V implementation). The corpus runs the
// default; scripts/bench.sh runs more.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { BODIES = 5, VEC = 256 };

struct body { double x, y, z, vx, vy, vz, m; };

static void advance(struct body *b, double dt) {
    for (int i = 0; i < BODIES; i++)
        for (int j = i + 1; j < BODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt(d2));
            b[i].vx -= dx * b[j].m * mag; b[i].vy -= dy * b[j].m * mag; b[i].vz -= dz * b[j].m * mag;
            b[j].vx += dx * b[i].m * mag; b[j].vy += dy * b[i].m * mag; b[j].vz += dz * b[i].m * mag;
        }
    for (int i = 0; i < BODIES; i++) {
        b[i].x += dt * b[i].vx; b[i].y += dt * b[i].vy; b[i].z += dt * b[i].vz;
    }
}

static double energy(const struct body *b) {
    double e = 0;
    for (int i = 0; i < BODIES; i++) {
        e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < BODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].m * b[j].m / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

int main(int argc, char **argv) {
    int steps = argc > 1 ? atoi(argv[1]) : 200;
    struct body b[BODIES];
    for (int i = 0; i < BODIES; i++) {
        b[i] = (struct body){i * 1.5 - 3.0, (i % 3) * 0.75, i * 0.25 - 0.5, 0.01 * i, -0.02 * (i % 2), 0.005 * i, 1.0 + i * 0.1};
    }
    static float u[VEC], v[VEC];
    for (int i = 0; i < VEC; i++) {
        u[i] = (float)((i % 17) - 8) / 7.0f;
        v[i] = (float)((i * 5 % 23) - 11) / 13.0f;
    }
    double e0 = energy(b), poly = 0;
    float dot = 0;
    for (int s = 0; s < steps; s++) {
        advance(b, 0.001);
        float d = 0;
        for (int i = 0; i < VEC; i++) d += u[i] * v[i];
        dot += d;
        double x = (double)(s % 100) / 100.0, p = 0;
        static const double c[8] = {0.5, -1.25, 2.0, -0.75, 0.125, 3.5, -2.25, 1.0};
        for (int k = 0; k < 8; k++) p = p * x + c[k];
        poly += p;
        u[s % VEC] = u[s % VEC] * 0.999f + 0.001f;
    }
    printf("bench_fp %d: energy %.9e -> %.9e, dot %.6e, poly %.9e\n", steps, e0, energy(b), (double)dot, poly);
    return 0;
}
