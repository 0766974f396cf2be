// Counts, per thread, the reference-count operations each Swift object receives, so that the
// objects whose counts more than one event loop writes can be listed (each such write moves a
// cache line between cores). Loaded into pushd with LD_PRELOAD; it wraps the runtime's entry
// points that pushd calls, records only between SIGUSR1 (start) and SIGUSR2 (stop and write
// REFCOUNT_PROBE_OUT), and passes every call on unchanged. With REFCOUNT_PROBE_TRACE set to a
// type's name, the counts of that type are also tallied by call site.
//
//   cc -O2 -shared -fPIC -o refcount_probe.so refcount_probe.c -ldl -lpthread
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SLOTS = 1 << 16, MAX_THREADS = 64 };

typedef struct {
    uintptr_t object;
    uint64_t count;
    // The object's metadata when first counted: the object may be gone by the time the table
    // is written, its metadata never is.
    const void *metadata;
    // Immortal objects (the empty array, literals) are counted without a write.
    int immortal;
} Slot;

enum { SITES = 64 };
typedef struct { uintptr_t site; uint64_t count; } Site;

typedef struct {
    char name[32];
    Site sites[SITES];  // where the traced type's counts were taken (REFCOUNT_PROBE_TRACE)
    uintptr_t heap;  // where this thread's malloc put a block: which arena it uses
    uint64_t lost;  // operations on objects that did not fit the table
    Slot slots[SLOTS];
} ThreadTable;

static ThreadTable *tables[MAX_THREADS];
// REFCOUNT_PROBE_TRACE names a type (as swift_getTypeName gives it) whose counts are traced to
// their call sites; its metadata is found the first time an object of it is counted.
static const char *traceName;
static _Atomic(const void *) traceMetadata;

// Addresses freed while recording: an address two loops counted may have been two objects in
// turn (memory one thread freed and another took from its cache), which is not sharing.
enum { FREED_SLOTS = 1 << 22 };
static _Atomic uintptr_t *freed;
static void (*realFree)(void *);
static atomic_int threadCount;
static atomic_int recording;
static atomic_int stopRequested;
static __thread ThreadTable *mine;
static __thread int registering;

static void *(*realRetain)(void *);
static void (*realRelease)(void *);
static void *(*realRetainN)(void *, uint32_t);
static void (*realReleaseN)(void *, uint32_t);
static void *(*realBridgeRetain)(void *);
static void (*realBridgeRelease)(void *);
static void *(*realBridgeRetainN)(void *, uint32_t);
static void (*realBridgeReleaseN)(void *, uint32_t);
static void (*realUnownedRetainStrong)(void *);
static void (*realUnownedRetain)(void *);
static void (*realUnownedRelease)(void *);

typedef struct { const char *data; uintptr_t length; } TypeName;
static TypeName (*getTypeName)(const void *, _Bool);

static ThreadTable *table(void) {
    if (mine || registering) return mine;
    registering = 1;
    int index = atomic_fetch_add(&threadCount, 1);
    if (index < MAX_THREADS) {
        ThreadTable *fresh = calloc(1, sizeof(ThreadTable));
        if (fresh) {
            pthread_getname_np(pthread_self(), fresh->name, sizeof fresh->name);
            // Past the per-thread cache's sizes (1,032 bytes): a small block could be one this
            // thread freed after another thread allocated it, which says nothing of its arena.
            void *block = malloc(4096);
            fresh->heap = (uintptr_t)block;
            free(block);
            tables[index] = fresh;
            mine = fresh;
        }
    }
    registering = 0;
    return mine;
}

static int isTraced(const void *metadata);

static void traceSite(ThreadTable *t, uintptr_t site) {
    for (int i = 0; i < SITES; i++) {
        if (t->sites[i].site == site) { t->sites[i].count++; return; }
        if (t->sites[i].site == 0) { t->sites[i].site = site; t->sites[i].count = 1; return; }
    }
}

static inline void note(const void *object, uintptr_t site) {
    uintptr_t address = (uintptr_t)object;
    if (!atomic_load_explicit(&recording, memory_order_relaxed) || address < 4096) return;
    ThreadTable *t = table();
    if (!t) return;
    uintptr_t slot = (address >> 4) * 0x9E3779B97F4A7C15ull >> 48;
    for (int probe = 0; probe < 64; probe++, slot = (slot + 1) & (SLOTS - 1)) {
        Slot *s = &t->slots[slot];
        if (s->object == address) {
            s->count++;
            if (traceName && s->metadata == atomic_load_explicit(&traceMetadata, memory_order_relaxed)) traceSite(t, site);
            return;
        }
        if (s->object == 0) {
            s->object = address;
            s->count = 1;
            s->metadata = *(const void *const *)object;
            // The inline count's low 32 bits are all set in an immortal object (64-bit layout).
            s->immortal = (((const uint64_t *)object)[1] & 0xFFFFFFFFull) == 0xFFFFFFFFull;
            if (traceName && isTraced(s->metadata)) traceSite(t, site);
            return;
        }
    }
    t->lost++;
}

// A bridge object's pointer carries tag bits; the object is what is left (x86-64 layout).
static inline const void *bridged(const void *object) {
    uintptr_t bits = (uintptr_t)object;
    if (bits & (1ull << 63)) return NULL;  // a tagged value: no object
    return (const void *)(bits & 0x00FFFFFFFFFFFFF8ull);
}

void free(void *pointer) {
    if (pointer && freed && atomic_load_explicit(&recording, memory_order_relaxed)) {
        uintptr_t address = (uintptr_t)pointer;
        uintptr_t slot = (address >> 4) * 0x9E3779B97F4A7C15ull >> 42;
        for (int probe = 0; probe < 32; probe++, slot = (slot + 1) & (FREED_SLOTS - 1)) {
            uintptr_t there = atomic_load_explicit(&freed[slot], memory_order_relaxed);
            if (there == address) break;
            uintptr_t empty = 0;
            if (there == 0 && atomic_compare_exchange_strong(&freed[slot], &empty, address)) break;
        }
    }
    if (realFree) realFree(pointer);
}

static int wasFreed(uintptr_t address) {
    uintptr_t slot = (address >> 4) * 0x9E3779B97F4A7C15ull >> 42;
    for (int probe = 0; probe < 32; probe++, slot = (slot + 1) & (FREED_SLOTS - 1)) {
        uintptr_t there = atomic_load_explicit(&freed[slot], memory_order_relaxed);
        if (there == address) return 1;
        if (there == 0) return 0;
    }
    return 1;  // the set is full around it: count it as freed, not as shared
}

// Where the runtime was called from: the traced type's counts are reported by call site.
#define CALLER ((uintptr_t)__builtin_return_address(0))

void *swift_retain(void *o) { note(o, CALLER); return realRetain(o); }
void swift_release(void *o) { note(o, CALLER); realRelease(o); }
void *swift_retain_n(void *o, uint32_t n) { note(o, CALLER); return realRetainN(o, n); }
void swift_release_n(void *o, uint32_t n) { note(o, CALLER); realReleaseN(o, n); }
void *swift_bridgeObjectRetain(void *o) { note(bridged(o), CALLER); return realBridgeRetain(o); }
void swift_bridgeObjectRelease(void *o) { note(bridged(o), CALLER); realBridgeRelease(o); }
void *swift_bridgeObjectRetain_n(void *o, uint32_t n) { note(bridged(o), CALLER); return realBridgeRetainN(o, n); }
void swift_bridgeObjectRelease_n(void *o, uint32_t n) { note(bridged(o), CALLER); realBridgeReleaseN(o, n); }
void swift_unownedRetainStrong(void *o) { note(o, CALLER); realUnownedRetainStrong(o); }
void swift_unownedRetain(void *o) { note(o, CALLER); realUnownedRetain(o); }
void swift_unownedRelease(void *o) { note(o, CALLER); realUnownedRelease(o); }

static void onSignal(int signal) {
    if (signal == SIGUSR1) atomic_store(&recording, 1);
    else atomic_store(&stopRequested, 1);
}

// Whether `metadata` is the traced type's: its name is asked once per metadata seen.
static int isTraced(const void *metadata) {
    if (metadata == atomic_load_explicit(&traceMetadata, memory_order_relaxed)) return 1;
    if (atomic_load_explicit(&traceMetadata, memory_order_relaxed) || !getTypeName || !metadata) return 0;
    uintptr_t kind = *(const uintptr_t *)metadata;
    if (!(kind == 0 || kind > 0x7FF)) return 0;
    TypeName name = getTypeName(metadata, 1);
    if (name.data && strlen(traceName) == name.length && memcmp(name.data, traceName, name.length) == 0) {
        atomic_store(&traceMetadata, metadata);
        return 1;
    }
    return 0;
}

// The name of an object's class; closure contexts and boxes have no type, only a kind.
static void describe(const void *metadata, char *out, size_t size) {
    uintptr_t kind = metadata ? *(const uintptr_t *)metadata : 0;
    if (kind == 0x400) { snprintf(out, size, "closure context"); return; }
    if (kind == 0x500) { snprintf(out, size, "generic closure context or box"); return; }
    // A class: kind 0 where there is no Objective-C runtime, else the word is an isa pointer.
    if (getTypeName && (kind == 0 || kind > 0x7FF)) {
        TypeName name = getTypeName(metadata, 1);
        if (name.data && name.length > 0 && name.length < size) {
            memcpy(out, name.data, name.length);
            out[name.length] = 0;
            for (char *c = out; *c; c++) if (*c == '\t' || *c == '\n') *c = ' ';
            return;
        }
    }
    Dl_info info;
    if (metadata && dladdr(metadata, &info) && info.dli_sname) snprintf(out, size, "%s", info.dli_sname);
    else snprintf(out, size, "metadata %p (kind %#lx)", metadata, (unsigned long)kind);
}

// Writes "thread<TAB>name" lines, then "object<TAB>thread<TAB>count<TAB>type" for every object
// more than one thread counted, and per thread "total<TAB>thread<TAB>operations<TAB>lost".
static void *writer(void *unused) {
    (void)unused;
    registering = 1;  // this thread's own retains are not the server's
    while (!atomic_load(&stopRequested)) usleep(20000);
    atomic_store(&recording, 0);
    usleep(200000);  // calls in flight finish
    const char *path = getenv("REFCOUNT_PROBE_OUT");
    FILE *out = fopen(path ? path : "refcounts.tsv", "w");
    if (!out) return NULL;
    int threads = atomic_load(&threadCount);
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    for (int t = 0; t < threads; t++) {
        if (!tables[t]) continue;
        uint64_t total = 0;
        for (int s = 0; s < SLOTS; s++) total += tables[t]->slots[s].count;
        fprintf(out, "thread\t%d\t%s\t%#lx\n", t, tables[t]->name, (unsigned long)tables[t]->heap);
        fprintf(out, "total\t%d\t%llu\t%llu\n", t, (unsigned long long)total, (unsigned long long)tables[t]->lost);
        for (int i = 0; i < SITES && tables[t]->sites[i].site; i++) {
            Dl_info info;
            uintptr_t site = tables[t]->sites[i].site;
            // The offset in its file, for addr2line when the symbol is not exported.
            int found = dladdr((void *)site, &info);
            fprintf(out, "site\t%d\t%llu\t%s\t%#lx\t%s\n", t, (unsigned long long)tables[t]->sites[i].count,
                    found && info.dli_fname ? info.dli_fname : "?", found ? (unsigned long)(site - (uintptr_t)info.dli_fbase) : (unsigned long)site,
                    found && info.dli_sname ? info.dli_sname : "");
        }
    }
    char name[512];
    for (int t = 0; t < threads; t++) {
        if (!tables[t]) continue;
        for (int s = 0; s < SLOTS; s++) {
            Slot *slot = &tables[t]->slots[s];
            if (!slot->object) continue;
            int others = 0;
            for (int u = 0; u < threads && !others; u++) {
                if (u == t || !tables[u]) continue;
                uintptr_t probe = (slot->object >> 4) * 0x9E3779B97F4A7C15ull >> 48;
                for (int k = 0; k < 64; k++, probe = (probe + 1) & (SLOTS - 1)) {
                    uintptr_t there = tables[u]->slots[probe].object;
                    if (there == slot->object) { others = 1; break; }
                    if (there == 0) break;
                }
            }
            if (!others) continue;
            describe(slot->metadata, name, sizeof name);
            fprintf(out, "object\t%#lx\t%d\t%llu\t%s%s%s\n", (unsigned long)slot->object, t,
                    (unsigned long long)slot->count, slot->immortal ? "immortal " : "",
                    wasFreed(slot->object) ? "freed " : "", name);
        }
    }
    fclose(out);
    return NULL;
}

__attribute__((constructor)) static void start(void) {
    realFree = dlsym(RTLD_NEXT, "free");
    freed = calloc(FREED_SLOTS, sizeof *freed);
    realRetain = dlsym(RTLD_NEXT, "swift_retain");
    realRelease = dlsym(RTLD_NEXT, "swift_release");
    realRetainN = dlsym(RTLD_NEXT, "swift_retain_n");
    realReleaseN = dlsym(RTLD_NEXT, "swift_release_n");
    realBridgeRetain = dlsym(RTLD_NEXT, "swift_bridgeObjectRetain");
    realBridgeRelease = dlsym(RTLD_NEXT, "swift_bridgeObjectRelease");
    realBridgeRetainN = dlsym(RTLD_NEXT, "swift_bridgeObjectRetain_n");
    realBridgeReleaseN = dlsym(RTLD_NEXT, "swift_bridgeObjectRelease_n");
    realUnownedRetainStrong = dlsym(RTLD_NEXT, "swift_unownedRetainStrong");
    realUnownedRetain = dlsym(RTLD_NEXT, "swift_unownedRetain");
    realUnownedRelease = dlsym(RTLD_NEXT, "swift_unownedRelease");
    getTypeName = dlsym(RTLD_NEXT, "swift_getTypeName");
    traceName = getenv("REFCOUNT_PROBE_TRACE");
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = onSignal;
    sigaction(SIGUSR1, &action, NULL);
    sigaction(SIGUSR2, &action, NULL);
    pthread_t thread;
    pthread_create(&thread, NULL, writer, NULL);
    pthread_detach(thread);
}
