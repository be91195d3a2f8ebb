// One core's float32 FMA peak, measured: independent chains of fused
// multiply-adds on the widest vectors the compiler targets (-march=native),
// enough of them to hide the FMA latency on every x86 core Kiln targets.
// Benchmarks/run.sh builds and runs it so the MatMul rows can be read as a
// fraction of what the core can do. Prints one JSON line.
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif
#define CHAINS 16

typedef float vec __attribute__((vector_size(LANES * 4)));

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    vec a, b, acc[CHAINS];
    for (int l = 0; l < LANES; l++) { a[l] = 0.999999f; b[l] = 1e-7f; }
    for (int c = 0; c < CHAINS; c++) for (int l = 0; l < LANES; l++) acc[c][l] = (float)c;
    // Named registers: an array could live in memory, timing loads instead.
    vec r0 = acc[0], r1 = acc[1], r2 = acc[2], r3 = acc[3], r4 = acc[4], r5 = acc[5], r6 = acc[6], r7 = acc[7];
    vec r8 = acc[8], r9 = acc[9], r10 = acc[10], r11 = acc[11], r12 = acc[12], r13 = acc[13], r14 = acc[14],
        r15 = acc[15];
    const long iterations = 100000000 / CHAINS * 8;
    double best = 0;
    for (int round = 0; round < 5; round++) {
        double start = seconds();
        for (long i = 0; i < iterations; i++) {
            // Each line is one FMA (contracted); the empty asm keeps the loop from being folded.
            r0 = r0 * a + b; r1 = r1 * a + b; r2 = r2 * a + b; r3 = r3 * a + b;
            r4 = r4 * a + b; r5 = r5 * a + b; r6 = r6 * a + b; r7 = r7 * a + b;
            r8 = r8 * a + b; r9 = r9 * a + b; r10 = r10 * a + b; r11 = r11 * a + b;
            r12 = r12 * a + b; r13 = r13 * a + b; r14 = r14 * a + b; r15 = r15 * a + b;
            __asm__ volatile("" : "+x"(r0), "+x"(r15));
        }
        double gflops = 2.0 * LANES * CHAINS * iterations / (seconds() - start) / 1e9;
        if (gflops > best) best = gflops;
    }
    vec total = r0 + r1 + r2 + r3 + r4 + r5 + r6 + r7 + r8 + r9 + r10 + r11 + r12 + r13 + r14 + r15;
    float sink = 0;
    for (int l = 0; l < LANES; l++) sink += total[l];
    printf("{\"engine\":\"fma_peak\",\"lanes\":%d,\"gflops\":%.1f,\"checksum\":%g}\n", LANES, best, sink);
    return 0;
}
