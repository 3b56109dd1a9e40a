/*
 * engine/cmd_docs.c — COMMAND and its subcommands (see cmd_docs.h).
 *
 * Two halves:
 *   1. COMMAND / INFO / COUNT / LIST / GETKEYS: straight from the table rows
 *      (flag names and ACL categories derived from flags and group; one key
 *      spec derived from first/last/step).
 *   2. DOCS: the row's synopsis is parsed into a small tree of doc_arg
 *      nodes (tokenize -> recursive descent -> repetition merge), emitted as
 *      Redis's argument maps, and freed.  Every emitted argument has "name"
 *      and "type", and flags are status strings: redis-cli 7.0 asserts on
 *      exactly these shapes.
 */
#include "cmd_docs.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "reply.h"
#include "util.h"

/* ---- names of flags and categories -------------------------------------- */

static const struct {
    uint32_t flag;
    const char *name;
} flag_names[] = {
    {CMD_WRITE, "write"},         {CMD_READONLY, "readonly"},     {CMD_DENYOOM, "denyoom"},
    {CMD_ADMIN, "admin"},         {CMD_PUBSUB, "pubsub"},         {CMD_NOSCRIPT, "noscript"},
    {CMD_BLOCKING, "blocking"},   {CMD_LOADING, "loading"},       {CMD_STALE, "stale"},
    {CMD_SKIP_MONITOR, "skip_monitor"}, {CMD_SKIP_SLOWLOG, "skip_slowlog"}, {CMD_FAST, "fast"},
    {CMD_NO_AUTH, "no_auth"},     {CMD_MAY_REPLICATE, "may_replicate"}, {CMD_NO_MULTI, "no_multi"},
    {CMD_MOVABLE_KEYS, "movablekeys"}, {CMD_ALLOW_BUSY, "allow_busy"},
};
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

static const struct {
    const char *group, *category;
} group_cats[] = {
    {"generic", "@keyspace"},  {"string", "@string"},     {"list", "@list"},
    {"set", "@set"},           {"sorted-set", "@sortedset"}, {"hash", "@hash"},
    {"pubsub", "@pubsub"},     {"hyperloglog", "@hyperloglog"}, {"geo", "@geo"},
    {"stream", "@stream"},     {"bitmap", "@bitmap"},     {"transactions", "@transaction"},
    {"scripting", "@scripting"}, {"connection", "@connection"},
};
#define NGROUPS (sizeof(group_cats) / sizeof(group_cats[0]))

#define MAX_CATS 8

static void add_cat(const char *cats[MAX_CATS], int *n, const char *cat) {
    for (int i = 0; i < *n; i++)
        if (strcmp(cats[i], cat) == 0) return;
    if (*n < MAX_CATS) cats[(*n)++] = cat;
}

/* ACL categories, Redis's order: read/write, group, admin, pubsub,
 * fast/slow, blocking, dangerous.  Returns how many were stored. */
static int acl_categories(const kv_command *cmd, const char *cats[MAX_CATS]) {
    int n = 0;
    if (cmd->flags & CMD_WRITE) add_cat(cats, &n, "@write");
    if (cmd->flags & CMD_READONLY) add_cat(cats, &n, "@read");
    for (size_t i = 0; cmd->group && i < NGROUPS; i++)
        if (strcmp(cmd->group, group_cats[i].group) == 0) add_cat(cats, &n, group_cats[i].category);
    if (cmd->flags & CMD_ADMIN) add_cat(cats, &n, "@admin");
    if (cmd->flags & CMD_PUBSUB) add_cat(cats, &n, "@pubsub");
    add_cat(cats, &n, (cmd->flags & CMD_FAST) ? "@fast" : "@slow");
    if (cmd->flags & CMD_BLOCKING) add_cat(cats, &n, "@blocking");
    if (cmd->flags & CMD_ADMIN) add_cat(cats, &n, "@dangerous");
    return n;
}

static int has_category(const kv_command *cmd, const char *cat) {
    const char *cats[MAX_CATS];
    int n = acl_categories(cmd, cats);
    for (int i = 0; i < n; i++)
        if (strcasecmp(cats[i] + 1, cat[0] == '@' ? cat + 1 : cat) == 0) return 1;
    return 0;
}

/* ---- lookup helpers ------------------------------------------------------ */

/* "get" or "config|get" (case-insensitive). */
static const kv_command *lookup_fullname(kv_server *srv, const char *name) {
    const char *bar = strchr(name, '|');
    if (!bar) return cmd_lookup_name(srv, name);
    sds parent = sds_newlen(name, (size_t)(bar - name));
    const kv_command *p = cmd_lookup_name(srv, parent);
    sds_free(parent);
    if (!p || !p->subcommands) return NULL;
    for (const kv_command *s = p->subcommands; s->name; s++)
        if (strcasecmp(s->name, bar + 1) == 0) return s;
    return NULL;
}

static long count_subs(const kv_command *cmd) {
    long n = 0;
    for (const kv_command *s = cmd->subcommands; s && s->name; s++) n++;
    return n;
}

/* ---- COMMAND INFO entries -------------------------------------------------- */

static void reply_flags(kv_client *c, const kv_command *cmd) {
    int n = 0;
    for (size_t i = 0; i < NFLAGS; i++)
        if (cmd->flags & flag_names[i].flag) n++;
    reply_set(c, n);
    for (size_t i = 0; i < NFLAGS; i++)
        if (cmd->flags & flag_names[i].flag) reply_status(c, flag_names[i].name);
}

static void reply_key_spec(kv_client *c, const kv_command *cmd) {
    int write = (cmd->flags & CMD_WRITE) != 0;
    int last = cmd->last_key >= 0 ? cmd->last_key - cmd->first_key : cmd->last_key;
    reply_map(c, 3);
    reply_bulk_cstr(c, "flags");
    reply_set(c, 2);
    reply_status(c, write ? "RW" : "RO");
    reply_status(c, write ? "update" : "access");
    reply_bulk_cstr(c, "begin_search");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, "index");
    reply_bulk_cstr(c, "spec");
    reply_map(c, 1);
    reply_bulk_cstr(c, "index");
    reply_int(c, cmd->first_key);
    reply_bulk_cstr(c, "find_keys");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, "range");
    reply_bulk_cstr(c, "spec");
    reply_map(c, 3);
    reply_bulk_cstr(c, "lastkey");
    reply_int(c, last);
    reply_bulk_cstr(c, "keystep");
    reply_int(c, cmd->key_step);
    reply_bulk_cstr(c, "limit");
    reply_int(c, 0);
}

static void reply_command_info(kv_client *c, const kv_command *cmd) {
    char name[128];
    const char *cats[MAX_CATS];
    int ncats = acl_categories(cmd, cats);
    reply_array(c, 10);
    reply_bulk_cstr(c, cmd_fullname(cmd, name, sizeof(name)));
    reply_int(c, cmd->arity);
    reply_flags(c, cmd);
    reply_int(c, cmd->first_key);
    reply_int(c, cmd->last_key);
    reply_int(c, cmd->key_step);
    reply_set(c, ncats);
    for (int i = 0; i < ncats; i++) reply_status(c, cats[i]);
    reply_set(c, 0); /* tips */
    if (cmd->first_key > 0) {
        reply_set(c, 1);
        reply_key_spec(c, cmd);
    } else {
        reply_set(c, 0);
    }
    if (cmd->subcommands) {
        reply_array(c, count_subs(cmd));
        for (const kv_command *s = cmd->subcommands; s->name; s++) reply_command_info(c, s);
    } else {
        reply_set(c, 0);
    }
}

static void reply_all_info(kv_client *c) {
    dict_iter it;
    dict_entry *de;
    reply_array(c, (long)dict_size(c->srv->commands));
    dict_iter_init(&it, c->srv->commands, 0);
    while ((de = dict_next(&it))) reply_command_info(c, de->v.val);
    dict_iter_reset(&it);
}

void cmddocs_command(kv_client *c) {
    if (c->argc > 1) {
        reply_subcommand_syntax(c);
        return;
    }
    reply_all_info(c);
}

static void command_info_command(kv_client *c) {
    if (c->argc == 2) {
        reply_all_info(c);
        return;
    }
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        const kv_command *cmd = lookup_fullname(c->srv, c->argv[i]);
        if (cmd) reply_command_info(c, cmd);
        else reply_null(c);
    }
}

static void command_count_command(kv_client *c) { reply_int(c, (long long)dict_size(c->srv->commands)); }

/* ---- COMMAND LIST [FILTERBY MODULE m | ACLCAT cat | PATTERN p] ------------ */

enum { FILTER_NONE, FILTER_MODULE, FILTER_ACLCAT, FILTER_PATTERN };

static int list_match(const kv_command *cmd, int filter, const sds arg) {
    char name[128];
    switch (filter) {
    case FILTER_MODULE:
        return 0; /* no modules */
    case FILTER_ACLCAT:
        return has_category(cmd, arg);
    case FILTER_PATTERN:
        cmd_fullname(cmd, name, sizeof(name));
        return str_match(arg, sds_len(arg), name, strlen(name), 1);
    default:
        return 1;
    }
}

static long list_add(kv_client *c, const kv_command *cmd, int filter, const sds arg) {
    char name[128];
    long n = 0;
    if (list_match(cmd, filter, arg)) {
        reply_bulk_cstr(c, cmd_fullname(cmd, name, sizeof(name)));
        n++;
    }
    for (const kv_command *s = cmd->subcommands; s && s->name; s++) n += list_add(c, s, filter, arg);
    return n;
}

static void command_list_command(kv_client *c) {
    int filter = FILTER_NONE;
    sds arg = NULL;
    if (c->argc == 5 && strcasecmp(c->argv[2], "filterby") == 0) {
        if (!strcasecmp(c->argv[3], "module")) filter = FILTER_MODULE;
        else if (!strcasecmp(c->argv[3], "aclcat")) filter = FILTER_ACLCAT;
        else if (!strcasecmp(c->argv[3], "pattern")) filter = FILTER_PATTERN;
        arg = c->argv[4];
    }
    if ((c->argc != 2 && filter == FILTER_NONE)) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    dict_iter it;
    dict_entry *de;
    long n = 0;
    reply_slot slot = reply_defer(c);
    dict_iter_init(&it, c->srv->commands, 0);
    while ((de = dict_next(&it))) n += list_add(c, de->v.val, filter, arg);
    dict_iter_reset(&it);
    reply_set_defer_array(c, slot, n);
}

/* ---- COMMAND GETKEYS / GETKEYSANDFLAGS ------------------------------------- */

static int arity_ok(const kv_command *cmd, int argc) {
    return cmd->arity > 0 ? argc == cmd->arity : argc >= -cmd->arity;
}

static void getkeys(kv_client *c, int with_flags) {
    int argc = c->argc - 2;
    sds *argv = c->argv + 2;
    const kv_command *cmd = cmd_lookup(c->srv, argc, argv);
    if (!cmd) {
        reply_error(c, "Invalid command specified");
        return;
    }
    if (!arity_ok(cmd, argc)) {
        reply_error(c, "Invalid number of arguments specified for command");
        return;
    }
    if (cmd->first_key <= 0 || cmd->first_key >= argc) {
        reply_error(c, "The command has no key arguments");
        return;
    }
    int last = cmd->last_key >= 0 ? cmd->last_key : argc + cmd->last_key;
    int step = cmd->key_step > 0 ? cmd->key_step : 1;
    if (last >= argc) last = argc - 1;
    long n = 0;
    for (int i = cmd->first_key; i <= last; i += step) n++;
    reply_array(c, n);
    for (int i = cmd->first_key; i <= last; i += step) {
        if (with_flags) {
            int write = (cmd->flags & CMD_WRITE) != 0;
            reply_array(c, 2);
            reply_bulk(c, argv[i], sds_len(argv[i]));
            reply_set(c, 2);
            reply_status(c, write ? "RW" : "RO");
            reply_status(c, write ? "update" : "access");
        } else {
            reply_bulk(c, argv[i], sds_len(argv[i]));
        }
    }
}

static void command_getkeys_command(kv_client *c) { getkeys(c, 0); }
static void command_getkeysandflags_command(kv_client *c) { getkeys(c, 1); }

/* ---- synopsis parsing ------------------------------------------------------- */

typedef struct doc_arg {
    char name[64];
    const char *type; /* static */
    char token[48];   /* "" = none */
    int optional, multiple;
    struct doc_arg *kids;
    int nkids;
} doc_arg;

typedef struct doc_list {
    doc_arg *v;
    int n, cap;
} doc_list;

typedef struct parser {
    sds *tok;
    int ntok, pos, err;
} parser;

static void arg_free_kids(doc_arg *a) {
    for (int i = 0; i < a->nkids; i++) arg_free_kids(&a->kids[i]);
    mem_free(a->kids);
    a->kids = NULL;
    a->nkids = 0;
}

static void list_free(doc_list *l) {
    for (int i = 0; i < l->n; i++) arg_free_kids(&l->v[i]);
    mem_free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static void list_push(doc_list *l, const doc_arg *a) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->v = mem_realloc(l->v, sizeof(doc_arg) * (size_t)l->cap);
    }
    l->v[l->n++] = *a;
}

/* Split into words, '[', ']', '(', ')', '|' and "..." tokens. */
static sds *tokenize(const char *s, int *ntok) {
    sds *tok = NULL;
    int n = 0, cap = 0;
    while (*s) {
        size_t len;
        if (isspace((unsigned char)*s)) {
            s++;
            continue;
        }
        if (strchr("[]|()", *s)) len = 1;
        else if (strncmp(s, "...", 3) == 0) len = 3;
        else {
            len = 0;
            while (s[len] && !isspace((unsigned char)s[len]) && !strchr("[]|()", s[len]) &&
                   strncmp(s + len, "...", 3) != 0)
                len++;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            tok = mem_realloc(tok, sizeof(sds) * (size_t)cap);
        }
        tok[n++] = sds_newlen(s, len);
        s += len;
    }
    *ntok = n;
    return tok;
}

static int is_token_word(const char *w) {
    int letters = 0;
    for (; *w; w++) {
        if (islower((unsigned char)*w)) return 0;
        if (isupper((unsigned char)*w)) letters++;
    }
    return letters > 0;
}

static int is_arg_word(const char *w) { return !strchr("[]|()", w[0]) && strcmp(w, "..."); }

static const char *type_for(const char *name) {
    static const char *const ints[] = {"count", "seconds", "milliseconds", "timeout", "offset", "start", "end",
                                       "stop", "index", "db", "numkeys", "cursor", "increment", "decrement",
                                       "len", "length", "port", "numreplicas", "client-id", "protover",
                                       "database", "samples", "bit", "delta", "limit", "ttl", "microseconds",
                                       "integer", "number", "replicationid", NULL};
    size_t len = strlen(name);
    if (!strcmp(name, "key") || !strcmp(name, "destination") || !strcmp(name, "source") ||
        (len > 3 && !strcmp(name + len - 3, "key")))
        return "key";
    if (!strcmp(name, "pattern")) return "pattern";
    if (!strncmp(name, "unix-time", 9) || !strcmp(name, "timestamp")) return "unix-time";
    if (!strcmp(name, "score") || !strcmp(name, "float")) return "double";
    for (int i = 0; ints[i]; i++)
        if (!strcmp(name, ints[i])) return "integer";
    return "string";
}

static void set_name(doc_arg *a, const char *name) {
    size_t j = 0;
    for (const char *p = name; *p && j + 1 < sizeof(a->name); p++)
        if (*p != '<' && *p != '>') a->name[j++] = (char)tolower((unsigned char)*p);
    a->name[j] = '\0';
}

static void parse_alts(parser *p, doc_list *out);

/* A composite (oneof/block) made from a list of kids, named after them. */
static doc_arg make_group(const char *type, doc_list *kids) {
    doc_arg g;
    memset(&g, 0, sizeof(g));
    g.type = type;
    size_t used = 0;
    for (int i = 0; i < kids->n && used + 2 < sizeof(g.name); i++) {
        int w = snprintf(g.name + used, sizeof(g.name) - used, "%s%s", i ? "-" : "", kids->v[i].name);
        if (w < 0) break;
        used += (size_t)w < sizeof(g.name) - used ? (size_t)w : sizeof(g.name) - used - 1;
    }
    g.kids = kids->v;
    g.nkids = kids->n;
    kids->v = NULL;
    kids->n = kids->cap = 0;
    return g;
}

/* Two arguments describe the same thing (for "key [key ...]" merging). */
static int arg_equal(const doc_arg *a, const doc_arg *b) {
    if (strcmp(a->name, b->name) || strcmp(a->token, b->token) || strcmp(a->type, b->type)) return 0;
    if (a->nkids != b->nkids) return 0;
    for (int i = 0; i < a->nkids; i++)
        if (!arg_equal(&a->kids[i], &b->kids[i])) return 0;
    return 1;
}

/* prev is "TOKEN value" and pat is "value" (no token). */
static int arg_same_value(const doc_arg *prev, const doc_arg *pat) {
    return !strcmp(prev->name, pat->name) && !strcmp(prev->type, pat->type) && prev->nkids == 0 && pat->nkids == 0;
}

/* "[" alts "]" with an optional trailing "..." inside. */
static void parse_bracket(parser *p, doc_list *seq) {
    doc_list inner = {0};
    parse_alts(p, &inner);
    int repeat = 0;
    if (p->pos < p->ntok && !strcmp(p->tok[p->pos], "...")) {
        repeat = 1;
        p->pos++;
    }
    if (p->pos >= p->ntok || strcmp(p->tok[p->pos], "]") != 0 || inner.n == 0) {
        p->err = 1;
        list_free(&inner);
        return;
    }
    p->pos++;
    doc_arg g = inner.n == 1 ? inner.v[0] : make_group("block", &inner);
    if (inner.n == 1) {
        mem_free(inner.v);
        inner.v = NULL;
    }
    /* "x [x ...]": the bracket repeats what precedes it. */
    if (repeat) {
        int k = g.nkids && !strcmp(g.type, "block") ? g.nkids : 1;
        const doc_arg *pattern = k > 1 ? g.kids : &g;
        int same = seq->n >= k;
        for (int i = 0; same && i < k; i++) {
            const doc_arg *prev = &seq->v[seq->n - k + i];
            /* "ID client-id [client-id ...]": the token is said once. */
            same = i == 0 && prev->token[0] && !pattern[0].token[0] ? arg_same_value(prev, &pattern[0])
                                                                     : arg_equal(prev, &pattern[i]);
        }
        if (same) {
            if (k == 1) {
                seq->v[seq->n - 1].multiple = 1;
            } else {
                doc_list prev = {0};
                for (int i = 0; i < k; i++) list_push(&prev, &seq->v[seq->n - k + i]);
                seq->n -= k;
                doc_arg b = make_group("block", &prev);
                b.multiple = 1;
                list_push(seq, &b);
            }
            arg_free_kids(&g);
            return;
        }
        g.multiple = 1;
    }
    if (g.optional) { /* "[[x]]": keep both levels */
        doc_list one = {0};
        list_push(&one, &g);
        g = make_group("block", &one);
    }
    g.optional = 1;
    list_push(seq, &g);
}

/* "(" alts ")": a oneof, a block, or the single item inside. */
static int parse_paren(parser *p, doc_arg *out) {
    doc_list inner = {0};
    parse_alts(p, &inner);
    if (p->err || p->pos >= p->ntok || strcmp(p->tok[p->pos], ")") != 0 || inner.n == 0) {
        p->err = 1;
        list_free(&inner);
        return -1;
    }
    p->pos++;
    if (inner.n == 1) {
        *out = inner.v[0];
        mem_free(inner.v);
    } else {
        *out = make_group("block", &inner);
    }
    return 0;
}

/* One word, TOKEN + value, or TOKEN + "(" group ")". */
static void parse_word(parser *p, doc_list *seq) {
    doc_arg a;
    memset(&a, 0, sizeof(a));
    const char *w = p->tok[p->pos++];
    if (is_token_word(w)) {
        const char *next = p->pos < p->ntok ? p->tok[p->pos] : NULL;
        if (next && !strcmp(next, "(")) {
            p->pos++;
            if (parse_paren(p, &a) < 0) return;
            set_name(&a, w);
            snprintf(a.token, sizeof(a.token), "%s", w);
            list_push(seq, &a);
            return;
        }
        snprintf(a.token, sizeof(a.token), "%s", w);
        if (next && is_arg_word(next) && !is_token_word(next)) {
            set_name(&a, next);
            a.type = type_for(a.name);
            p->pos++;
        } else {
            set_name(&a, w);
            a.type = "pure-token";
        }
    } else {
        set_name(&a, w);
        a.type = type_for(a.name);
    }
    list_push(seq, &a);
}

/* Items up to '|', ']', ')' or the end. */
static void parse_seq(parser *p, doc_list *seq) {
    while (p->pos < p->ntok && !p->err) {
        const char *t = p->tok[p->pos];
        if (!strcmp(t, "|") || !strcmp(t, "]") || !strcmp(t, ")")) return;
        if (!strcmp(t, "...")) {
            /* "]" follows for "[x ...]" (handled by the bracket); otherwise
             * "x ..." repeats the previous item. */
            if (p->pos + 1 < p->ntok && !strcmp(p->tok[p->pos + 1], "]")) return;
            if (seq->n == 0) p->err = 1;
            else seq->v[seq->n - 1].multiple = 1;
            p->pos++;
        } else if (!strcmp(t, "[")) {
            p->pos++;
            parse_bracket(p, seq);
        } else if (!strcmp(t, "(")) {
            doc_arg g;
            p->pos++;
            if (parse_paren(p, &g) == 0) list_push(seq, &g);
        } else {
            parse_word(p, seq);
        }
    }
}

/* seq ('|' seq)*: one alternative = its items; several = one oneof. */
static void parse_alts(parser *p, doc_list *out) {
    doc_list alts = {0};
    int nalts = 0;
    for (;;) {
        doc_list seq = {0};
        parse_seq(p, &seq);
        if (seq.n == 0) p->err = 1;
        nalts++;
        if (nalts == 1 && (p->pos >= p->ntok || strcmp(p->tok[p->pos], "|") != 0)) {
            *out = seq; /* no '|': a plain sequence */
            return;
        }
        doc_arg alt = seq.n == 1 ? seq.v[0] : make_group("block", &seq);
        if (seq.n == 1) mem_free(seq.v);
        list_push(&alts, &alt);
        if (p->err || p->pos >= p->ntok || strcmp(p->tok[p->pos], "|") != 0) break;
        p->pos++;
    }
    doc_arg one = make_group("oneof", &alts);
    list_push(out, &one);
}

/* Parse a synopsis; returns 0 and fills out, or -1 (out empty). */
static int parse_synopsis(const char *synopsis, doc_list *out) {
    parser p = {0};
    memset(out, 0, sizeof(*out));
    if (!synopsis || !*synopsis) return 0;
    p.tok = tokenize(synopsis, &p.ntok);
    if (p.ntok) parse_alts(&p, out);
    if (p.pos != p.ntok) p.err = 1;
    sds_freesplit(p.tok, p.ntok);
    if (p.err) {
        list_free(out);
        return -1;
    }
    return 0;
}

int cmddocs_check_synopsis(const char *synopsis) {
    doc_list l;
    int rc = parse_synopsis(synopsis, &l);
    list_free(&l);
    return rc;
}

/* ---- COMMAND DOCS ------------------------------------------------------------ */

static void reply_doc_arg(kv_client *c, const doc_arg *a) {
    int is_key = !strcmp(a->type, "key");
    int nflags = a->optional + a->multiple;
    long fields = 2 + is_key + (a->token[0] != 0) + (nflags > 0) + (a->nkids > 0);
    reply_map(c, fields);
    reply_bulk_cstr(c, "name");
    reply_bulk_cstr(c, a->name);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, a->type);
    if (is_key) {
        reply_bulk_cstr(c, "key_spec_index");
        reply_int(c, 0);
    }
    if (a->token[0]) {
        reply_bulk_cstr(c, "token");
        reply_bulk_cstr(c, a->token);
    }
    if (nflags) {
        reply_bulk_cstr(c, "flags");
        reply_set(c, nflags);
        if (a->optional) reply_status(c, "optional");
        if (a->multiple) reply_status(c, "multiple");
    }
    if (a->nkids) {
        reply_bulk_cstr(c, "arguments");
        reply_array(c, a->nkids);
        for (int i = 0; i < a->nkids; i++) reply_doc_arg(c, &a->kids[i]);
    }
}

static void reply_docs(kv_client *c, const kv_command *cmd) {
    doc_list args;
    if (parse_synopsis(cmd->args, &args) < 0) args.n = 0;
    long fields = 4 + (args.n > 0) + (cmd->subcommands != NULL);
    reply_map(c, fields);
    reply_bulk_cstr(c, "summary");
    reply_bulk_cstr(c, cmd->summary ? cmd->summary : "");
    reply_bulk_cstr(c, "since");
    reply_bulk_cstr(c, cmd->since ? cmd->since : "1.0.0");
    reply_bulk_cstr(c, "group");
    reply_bulk_cstr(c, cmd->group ? cmd->group : "server");
    reply_bulk_cstr(c, "complexity");
    reply_bulk_cstr(c, cmd->complexity ? cmd->complexity : "O(1)");
    if (args.n) {
        reply_bulk_cstr(c, "arguments");
        reply_array(c, args.n);
        for (int i = 0; i < args.n; i++) reply_doc_arg(c, &args.v[i]);
    }
    list_free(&args);
    if (cmd->subcommands) {
        char name[128];
        reply_bulk_cstr(c, "subcommands");
        reply_map(c, count_subs(cmd));
        for (const kv_command *s = cmd->subcommands; s->name; s++) {
            reply_bulk_cstr(c, cmd_fullname(s, name, sizeof(name)));
            reply_docs(c, s);
        }
    }
}

static void command_docs_command(kv_client *c) {
    char name[128];
    if (c->argc == 2) {
        dict_iter it;
        dict_entry *de;
        reply_map(c, (long)dict_size(c->srv->commands));
        dict_iter_init(&it, c->srv->commands, 0);
        while ((de = dict_next(&it))) {
            const kv_command *cmd = de->v.val;
            reply_bulk_cstr(c, cmd_fullname(cmd, name, sizeof(name)));
            reply_docs(c, cmd);
        }
        dict_iter_reset(&it);
        return;
    }
    long n = 0;
    for (int i = 2; i < c->argc; i++)
        if (lookup_fullname(c->srv, c->argv[i])) n++;
    reply_map(c, n);
    for (int i = 2; i < c->argc; i++) {
        const kv_command *cmd = lookup_fullname(c->srv, c->argv[i]);
        if (!cmd) continue;
        reply_bulk_cstr(c, cmd_fullname(cmd, name, sizeof(name)));
        reply_docs(c, cmd);
    }
}

static void command_help_command(kv_client *c) {
    static const char *const help[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        NULL,
    };
    reply_help(c, help);
}

#define COMMAND_FLAGS (CMD_LOADING | CMD_STALE | CMD_SENTINEL)

const kv_command cmddocs_subcommands[] = {
    {"count", command_count_command, 2, COMMAND_FLAGS, 0, 0, 0, "server", "2.8.13",
     "Get total number of Redis commands", "O(1)", "", NULL},
    {"list", command_list_command, -2, COMMAND_FLAGS, 0, 0, 0, "server", "7.0.0",
     "Get an array of Redis command names", "O(N) where N is the total number of Redis commands",
     "[FILTERBY (MODULE module-name|ACLCAT category|PATTERN pattern)]", NULL},
    {"info", command_info_command, -2, COMMAND_FLAGS, 0, 0, 0, "server", "2.8.13",
     "Get array of specific Redis command details, or all when no argument is given.",
     "O(N) where N is the number of commands to look up", "[command-name [command-name ...]]", NULL},
    {"docs", command_docs_command, -2, COMMAND_FLAGS, 0, 0, 0, "server", "7.0.0",
     "Get array of specific Redis command documentation", "O(N) where N is the number of commands to look up",
     "[command-name [command-name ...]]", NULL},
    {"getkeys", command_getkeys_command, -4, COMMAND_FLAGS, 0, 0, 0, "server", "2.8.13",
     "Extract keys given a full Redis command", "O(N) where N is the number of arguments to the command",
     "command arg [arg ...]", NULL},
    {"getkeysandflags", command_getkeysandflags_command, -4, COMMAND_FLAGS, 0, 0, 0, "server", "7.0.0",
     "Extract keys and access flags given a full Redis command",
     "O(N) where N is the number of arguments to the command", "command arg [arg ...]", NULL},
    {"help", command_help_command, 2, COMMAND_FLAGS, 0, 0, 0, "server", "5.0.0",
     "Show helpful text about the different subcommands", "O(1)", "", NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
