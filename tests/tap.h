/*
 * tests/tap.h — a tiny TAP producer for strata's C tests.
 *
 * Every check prints "ok N - what" or "not ok N - what" and, on failure,
 * both sides of the comparison with file:line as TAP diagnostics ("# ...").
 * done_testing() prints the plan and returns the process exit code (non-zero
 * when any check failed), so a test's main ends with `return done_testing();`.
 *
 *   ok(cond, "fmt", ...)            boolean check
 *   is_int(got, want, "fmt", ...)   integer equality (long long)
 *   is_str(got, want, "fmt", ...)   C-string equality (NULL-safe)
 *   is_mem(g, glen, w, wlen, ...)   byte-string equality
 *   skip("what", "why")             one check skipped
 *   skip_all("why")                 plan 1..0 # SKIP why, exit 0
 *   diag("fmt", ...)                a diagnostic line
 *
 * Header-only; state is static per test binary.
 */
#ifndef STRATA_TAP_H
#define STRATA_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n_ = 0;
static int tap_failed_ = 0;

static inline void tap_vreport_(int pass, const char *fmt, va_list ap) {
    tap_n_++;
    if (!pass) tap_failed_++;
    printf("%sok %d - ", pass ? "" : "not ", tap_n_);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
}

static inline int tap_ok_(int pass, const char *file, int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    tap_vreport_(pass, fmt, ap);
    va_end(ap);
    if (!pass) printf("#   failed at %s:%d\n", file, line);
    return pass;
}

static inline int tap_is_int_(long long got, long long want, const char *file, int line,
                              const char *fmt, ...) {
    va_list ap;
    int pass = got == want;
    va_start(ap, fmt);
    tap_vreport_(pass, fmt, ap);
    va_end(ap);
    if (!pass) printf("#   failed at %s:%d\n#     got: %lld\n#    want: %lld\n", file, line, got, want);
    return pass;
}

static inline void tap_print_mem_(const char *label, const char *p, size_t len) {
    printf("#   %s: ", label);
    if (!p) {
        printf("(null)\n");
        return;
    }
    printf("\"");
    for (size_t i = 0; i < len && i < 200; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\' || c == '"') printf("\\%c", c);
        else if (c >= 32 && c < 127) putchar(c);
        else printf("\\x%02x", c);
    }
    printf("\"%s (%zu bytes)\n", len > 200 ? "..." : "", len);
}

static inline int tap_is_mem_(const char *got, size_t glen, const char *want, size_t wlen,
                              const char *file, int line, const char *fmt, ...) {
    va_list ap;
    int pass = (got && want) ? (glen == wlen && memcmp(got, want, glen) == 0) : (got == want);
    va_start(ap, fmt);
    tap_vreport_(pass, fmt, ap);
    va_end(ap);
    if (!pass) {
        printf("#   failed at %s:%d\n", file, line);
        tap_print_mem_(" got", got, glen);
        tap_print_mem_("want", want, wlen);
    }
    return pass;
}

/* Each argument is evaluated once (got may be a call with side effects). */
static inline int tap_is_str_(const char *got, const char *want, const char *file, int line, const char *fmt,
                              ...) {
    va_list ap;
    int pass = (got && want) ? strcmp(got, want) == 0 : got == want;
    va_start(ap, fmt);
    tap_vreport_(pass, fmt, ap);
    va_end(ap);
    if (!pass) {
        printf("#   failed at %s:%d\n", file, line);
        tap_print_mem_(" got", got, got ? strlen(got) : 0);
        tap_print_mem_("want", want, want ? strlen(want) : 0);
    }
    return pass;
}

static inline void diag(const char *fmt, ...) {
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

/* One check reported as skipped ("ok N - what # SKIP why"). */
static inline void skip(const char *what, const char *why) { tap_ok_(1, __FILE__, __LINE__, "%s # SKIP %s", what, why); }

static inline void skip_all(const char *why) {
    printf("1..0 # SKIP %s\n", why);
    fflush(stdout);
    exit(0);
}

static inline int done_testing(void) {
    printf("1..%d\n", tap_n_);
    if (tap_failed_) printf("# failed %d of %d checks\n", tap_failed_, tap_n_);
    fflush(stdout);
    return tap_failed_ ? 1 : 0;
}

#define ok(cond, ...) tap_ok_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
    tap_is_int_((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str_((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_mem(got, glen, want, wlen, ...) \
    tap_is_mem_((const char *)(got), (glen), (const char *)(want), (wlen), __FILE__, __LINE__, __VA_ARGS__)

#endif
