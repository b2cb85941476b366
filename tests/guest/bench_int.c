// A CoreMark-like integer workload: linked-list search and reversal, a small integer
// matrix multiply with a bit-extract pass, a byte-driven state machine and a CRC-16
// over the results, repeated ITER times (argument 1, default 20), ending in a
// deterministic checksum. The corpus runs the default; scripts/bench.sh runs more.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { NODES = 64, MAT = 12, STATES = 256 };

struct node { struct node *next; int16_t data; int16_t idx; };

static uint16_t crc16(uint16_t crc, uint32_t v) {
    for (int i = 0; i < 32; i++) {
        uint16_t bit = (uint16_t)((v ^ crc) & 1);
        v >>= 1;
        crc = (uint16_t)((crc >> 1) ^ (bit ? 0xa001 : 0));
    }
    return crc;
}

static struct node pool[NODES];

static struct node *list_build(uint32_t seed) {
    struct node *head = NULL;
    for (int i = 0; i < NODES; i++) {
        seed = seed * 1103515245u + 12345u;
        pool[i].data = (int16_t)(seed >> 16);
        pool[i].idx = (int16_t)i;
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static struct node *list_reverse(struct node *l) {
    struct node *r = NULL;
    while (l) {
        struct node *n = l->next;
        l->next = r;
        r = l;
        l = n;
    }
    return r;
}

static uint32_t list_work(struct node *l, int16_t key) {
    uint32_t found = 0, sum = 0;
    for (struct node *n = l; n; n = n->next) {
        if ((n->data & 0xff) == (key & 0xff)) found++;
        sum += (uint32_t)(n->data ^ n->idx);
    }
    return sum * 31 + found;
}

static uint32_t matrix_work(int32_t a[MAT][MAT], int32_t b[MAT][MAT], int32_t c[MAT][MAT], int32_t k) {
    uint32_t acc = 0;
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            int32_t t = 0;
            for (int x = 0; x < MAT; x++) t += a[i][x] * b[x][j];
            c[i][j] = t + k;
        }
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) acc += (uint32_t)((c[i][j] >> 2) & 0xf) << (j & 7);
    return acc;
}

static uint32_t state_work(const uint8_t *in, int n) {
    // A scanner: counts numbers, words and separators as CoreMark's state machine does.
    int state = 0;
    uint32_t counts[4] = {0, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        uint8_t ch = in[i];
        int cls = (ch >= '0' && ch <= '9') ? 1 : ((ch | 32) >= 'a' && (ch | 32) <= 'z') ? 2 : ch == ',' ? 3 : 0;
        if (cls != state) counts[cls]++;
        state = cls;
    }
    return counts[0] * 7 + counts[1] * 131 + counts[2] * 1031 + counts[3];
}

int main(int argc, char **argv) {
    int iters = argc > 1 ? atoi(argv[1]) : 20;
    static int32_t a[MAT][MAT], b[MAT][MAT], c[MAT][MAT];
    static uint8_t text[STATES];
    uint16_t crc = 0;
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            a[i][j] = (i * 3 + j * 5) % 17 - 8;
            b[i][j] = (i * 11 + j) % 13 - 6;
        }
    const char *alpha = "0123456789abcXYZ,, ;.";
    for (int i = 0; i < STATES; i++) text[i] = (uint8_t)alpha[(i * 7 + i / 5) % 21];
    for (int it = 0; it < iters; it++) {
        struct node *l = list_build((uint32_t)it * 2654435761u + 1);
        for (int r = 0; r < 8; r++) {
            crc = crc16(crc, list_work(l, (int16_t)(it + r)));
            l = list_reverse(l);
        }
        crc = crc16(crc, matrix_work(a, b, c, it));
        crc = crc16(crc, state_work(text, STATES));
        text[it % STATES] ^= (uint8_t)(crc & 0x1f);
    }
    printf("bench_int %d: crc %04x\n", iters, crc);
    return 0;
}
