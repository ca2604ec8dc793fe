/* The straight-line Zeek conn and dns readers of _zeek_fast.py, in C: one line in, its
 * finished Event (or None) out.
 *
 * Profiling put the Python readers' time in the interpreter's dispatch around small steps
 * (splitting every column, slicing and checking the timestamp, parsing ports, building
 * three dicts). This module does the same steps on the raw line with the same checks, and
 * takes the same tables from Python (the address and name memos of _values.py, the
 * protocol caches of _zeek_fast.py), calling back into Python for every miss, so it never
 * decides a value Python would decide otherwise. A line it does not fully understand gives
 * None, and the reader hands it to the general path, as it does for the Python version.
 * The tests run this module, the Python readers and the general path on the same lines.
 *
 * The module is optional: setup.py builds it when a C compiler is there, and _zeek_fast.py
 * uses its Python readers without it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define MAX_COLUMNS 64
#define MAX_KEYS 64

/* The layout of the config tuple _zeek_fast.py builds (see _c_config there). */
enum {
    C_WIDTH,
    C_I0, /* conn: ts orig_h orig_p resp_h resp_p proto service orig_bytes resp_bytes */
    C_I1, /* dns:  ts orig_h orig_p resp_h resp_p proto query answers -              */
    C_I2,
    C_I3,
    C_I4,
    C_I5,
    C_I6,
    C_I7,
    C_I8,
    C_SEP,
    C_SET_SEP,
    C_UNSET,
    C_EMPTY,
    C_IPS,
    C_IP_OBJECT,
    C_PROTOCOLS,
    C_PROTOCOLS_OF,
    C_NAMES,
    C_NAME_OBJECTS,
    C_EVENT,
    C_SOURCE,
    C_KIND,
    C_SIZE
};

static PyObject *s_ipv4_addr, *s_domain_name, *s_type, *s_value, *s_network_traffic, *s_protocols, *s_src_ref, *s_dst_ref;
static PyObject *s_src_port, *s_dst_port, *s_src_byte_count, *s_dst_byte_count;
static PyObject *keys[MAX_KEYS]; /* "0".."63" */

/* What a config tuple says, read once per block. */
typedef struct {
    PyObject *config;
    Py_ssize_t width;
    Py_ssize_t ix[9];
    char sep;
    char set_sep;
    const char *unset;
    Py_ssize_t unset_len;
    const char *empty;
    Py_ssize_t empty_len;
} Params;

typedef struct {
    const char *text;
    Py_ssize_t start[MAX_COLUMNS + 1]; /* column i is text[start[i] : start[i+1] - 1] */
    const Params *p;
} Line;

static inline const char *
col(const Line *ln, Py_ssize_t i, Py_ssize_t *len)
{
    *len = ln->start[i + 1] - 1 - ln->start[i];
    return ln->text + ln->start[i];
}

static inline int
equals(const char *p, Py_ssize_t n, const char *q, Py_ssize_t m)
{
    return n == m && memcmp(p, q, (size_t)n) == 0;
}

static inline int
all_digits(const char *p, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return 0;
        }
    }
    return 1;
}

/* The config's numbers and markers; 0 (with an exception) when it is not one. */
static int
read_params(Params *p, PyObject *config, int indices)
{
    if (!PyTuple_Check(config) || PyTuple_GET_SIZE(config) != C_SIZE) {
        PyErr_SetString(PyExc_TypeError, "a reader config tuple is needed");
        return 0;
    }
    p->config = config;
    p->width = PyLong_AsSsize_t(PyTuple_GET_ITEM(config, C_WIDTH));
    for (int i = 0; i < indices; i++) {
        p->ix[i] = PyLong_AsSsize_t(PyTuple_GET_ITEM(config, C_I0 + i));
        if (p->ix[i] < 0 || p->ix[i] >= p->width) {
            break;
        }
    }
    if (PyErr_Occurred()) {
        return 0;
    }
    PyObject *marks[4];
    for (int i = 0; i < 4; i++) {
        marks[i] = PyTuple_GET_ITEM(config, C_SEP + i);
        if (!PyUnicode_Check(marks[i]) || !PyUnicode_IS_ASCII(marks[i])) {
            PyErr_SetString(PyExc_ValueError, "reader markers must be ASCII text");
            return 0;
        }
    }
    int bad = p->width < 1 || p->width > MAX_COLUMNS;
    for (int i = 0; i < indices; i++) {
        bad = bad || p->ix[i] < 0 || p->ix[i] >= p->width;
    }
    if (bad || PyUnicode_GET_LENGTH(marks[0]) != 1 || PyUnicode_GET_LENGTH(marks[1]) != 1) {
        PyErr_SetString(PyExc_ValueError, "reader config out of range");
        return 0;
    }
    p->sep = ((const char *)PyUnicode_DATA(marks[0]))[0];
    p->set_sep = ((const char *)PyUnicode_DATA(marks[1]))[0];
    p->unset = PyUnicode_DATA(marks[2]);
    p->unset_len = PyUnicode_GET_LENGTH(marks[2]);
    p->empty = PyUnicode_DATA(marks[3]);
    p->empty_len = PyUnicode_GET_LENGTH(marks[3]);
    return 1;
}

/* Split an ASCII line into exactly width columns; 0 when it has another number of
 * columns or a backslash (the general path reads those). */
static int
split_line(Line *ln, const Params *p, const char *text, Py_ssize_t n)
{
    Py_ssize_t columns = 1;
    if (n > 0 && text[0] == '#') {
        return 0; /* a header or comment line, whatever its columns */
    }
    ln->text = text;
    ln->p = p;
    ln->start[0] = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = text[i];
        if (c == p->sep) {
            if (columns >= p->width) {
                return 0;
            }
            ln->start[columns++] = i + 1;
        }
        else if (c == '\\') {
            return 0;
        }
    }
    if (columns != p->width) {
        return 0;
    }
    ln->start[columns] = n + 1;
    return 1;
}

/* Microseconds of a 10.6-digit ts column; -1 when it is not one. */
static long long
read_ts(const Line *ln, Py_ssize_t i)
{
    Py_ssize_t n;
    const char *p = col(ln, i, &n);
    if (n != 17 || p[10] != '.' || !all_digits(p, 10) || !all_digits(p + 11, 6)) {
        return -1;
    }
    long long whole = 0, fraction = 0;
    for (int k = 0; k < 10; k++) {
        whole = whole * 10 + (p[k] - '0');
    }
    for (int k = 11; k < 17; k++) {
        fraction = fraction * 10 + (p[k] - '0');
    }
    return whole * 1000000LL + fraction;
}

/* A canonical port 0-65535 (what Zeek writes); -1 otherwise. */
static long
read_port(const Line *ln, Py_ssize_t i)
{
    Py_ssize_t n;
    const char *p = col(ln, i, &n);
    if (n < 1 || n > 5 || !all_digits(p, n) || (n > 1 && p[0] == '0')) {
        return -1;
    }
    long port = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        port = port * 10 + (p[k] - '0');
    }
    return port > 65535 ? -1 : port;
}

/* An ASCII substring as a str, copied without decoding. */
static PyObject *
ascii_text(const char *p, Py_ssize_t n)
{
    PyObject *text = PyUnicode_New(n, 127);
    if (text != NULL) {
        memcpy(PyUnicode_DATA(text), p, (size_t)n);
    }
    return text;
}

/* memo.get(text) or fallback(text), as a new reference; NULL with an exception set. */
static PyObject *
remembered(PyObject *memo, PyObject *fallback, const char *p, Py_ssize_t n)
{
    PyObject *text = ascii_text(p, n);
    if (text == NULL) {
        return NULL;
    }
    PyObject *value = PyDict_GetItemWithError(memo, text); /* borrowed */
    if (value != NULL && PyObject_IsTrue(value) == 1) {
        Py_INCREF(value);
        Py_DECREF(text);
        return value;
    }
    if (PyErr_Occurred()) {
        Py_DECREF(text);
        return NULL;
    }
    value = PyObject_CallOneArg(fallback, text);
    Py_DECREF(text);
    return value;
}

/* Whether text is a dotted quad of canonical octets (0-255, no leading zero, no sign): the
 * spelling ip_object gives back as it is (its _OCTET check). */
static int
canonical_ipv4(const char *p, Py_ssize_t n)
{
    int parts = 0;
    Py_ssize_t i = 0;
    while (parts < 4) {
        Py_ssize_t start = i;
        int octet = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9' && i - start < 3) {
            octet = octet * 10 + (p[i] - '0');
            i++;
        }
        Py_ssize_t digits = i - start;
        if (digits == 0 || octet > 255 || (digits > 1 && p[start] == '0')) {
            return 0;
        }
        parts++;
        if (parts < 4) {
            if (i >= n || p[i] != '.') {
                return 0;
            }
            i++;
        }
    }
    return i == n;
}

/* The ipv4-addr object of a canonical dotted quad, made here: a new small dict costs less
 * than finding the shared one in a memo bigger than the CPU caches (perf). */
static PyObject *value_object(PyObject *type, const char *p, Py_ssize_t n);

static PyObject *
ipv4_object(const char *p, Py_ssize_t n)
{
    return value_object(s_ipv4_addr, p, n);
}

/* Whether domain_names(text) is (text,): lower-case ASCII letters, digits, '-', '_' and
 * dots, not ending in a dot, with a letter, '-' or '_' (so no address, no wildcard). */
static int
plain_name(const char *p, Py_ssize_t n)
{
    int other = 0;
    if (n == 0 || p[n - 1] == '.') {
        return 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = p[i];
        if ((c >= 'a' && c <= 'z') || c == '-' || c == '_') {
            other = 1;
        }
        else if (!((c >= '0' && c <= '9') || c == '.')) {
            return 0;
        }
    }
    return other;
}

/* A {"type": type, "value": text} dict, made here (see ipv4_object). */
static PyObject *
value_object(PyObject *type, const char *p, Py_ssize_t n)
{
    PyObject *text = ascii_text(p, n);
    if (text == NULL) {
        return NULL;
    }
    PyObject *obj = PyDict_New();
    if (obj == NULL || PyDict_SetItem(obj, s_type, type) < 0 ||
        PyDict_SetItem(obj, s_value, text) < 0) {
        Py_XDECREF(obj);
        obj = NULL;
    }
    Py_DECREF(text);
    return obj;
}

/* The address object of column i as a new reference; Py_None (new) when it is none. */
static PyObject *
address(const Line *ln, PyObject *config, Py_ssize_t i)
{
    Py_ssize_t n;
    const char *p = col(ln, i, &n);
    if (canonical_ipv4(p, n)) {
        return ipv4_object(p, n);
    }
    return remembered(PyTuple_GET_ITEM(config, C_IPS),
                      PyTuple_GET_ITEM(config, C_IP_OBJECT), p, n);
}

static PyObject *
value_of(PyObject *obj)
{
    if (!PyDict_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "an address object must be a dict");
        return NULL;
    }
    PyObject *v = PyDict_GetItemWithError(obj, s_value);
    if (v == NULL && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_KeyError, "value");
    }
    return v;
}

/* The event tuple (time, objects, source, number, kind) as an Event; steals objects. */
static PyObject *
make_event(PyObject *config, long long micros, PyObject *objects, Py_ssize_t line_number)
{
    PyObject *number = PyLong_FromSsize_t(line_number);
    if (number == NULL) {
        Py_DECREF(objects);
        return NULL;
    }
    PyTypeObject *type = (PyTypeObject *)PyTuple_GET_ITEM(config, C_EVENT);
    PyObject *time = PyLong_FromLongLong(micros);
    PyObject *event = time == NULL ? NULL : type->tp_alloc(type, 5);
    if (event == NULL) {
        Py_XDECREF(time);
        Py_DECREF(number);
        Py_DECREF(objects);
        return NULL;
    }
    PyObject *source = PyTuple_GET_ITEM(config, C_SOURCE);
    PyObject *kind = PyTuple_GET_ITEM(config, C_KIND);
    Py_INCREF(source);
    Py_INCREF(kind);
    PyTuple_SET_ITEM(event, 0, time);
    PyTuple_SET_ITEM(event, 1, objects);
    PyTuple_SET_ITEM(event, 2, source);
    PyTuple_SET_ITEM(event, 3, number);
    PyTuple_SET_ITEM(event, 4, kind);
    return event;
}

static int
set_long(PyObject *dict, PyObject *key, long long value)
{
    PyObject *v = PyLong_FromLongLong(value);
    if (v == NULL) {
        return -1;
    }
    int r = PyDict_SetItem(dict, key, v);
    Py_DECREF(v);
    return r;
}

/* The network-traffic dict without byte counts: a new reference, NULL on error. */
static PyObject *
traffic_dict(PyObject *template, long src_port, long dst_port)
{
    PyObject *traffic = _PyDict_NewPresized(8);
    if (traffic == NULL) {
        return NULL;
    }
    PyObject *protocols = PyList_GetSlice(template, 0, PyList_GET_SIZE(template));
    if (protocols == NULL || PyDict_SetItem(traffic, s_type, s_network_traffic) < 0 ||
        PyDict_SetItem(traffic, s_protocols, protocols) < 0 ||
        PyDict_SetItem(traffic, s_src_ref, keys[0]) < 0 ||
        PyDict_SetItem(traffic, s_dst_ref, keys[1]) < 0 ||
        set_long(traffic, s_src_port, src_port) < 0 ||
        set_long(traffic, s_dst_port, dst_port) < 0) {
        Py_XDECREF(protocols);
        Py_DECREF(traffic);
        return NULL;
    }
    Py_DECREF(protocols);
    return traffic;
}

/* A byte count column: 1 digits (into *count), 0 unset, -1 anything else. */
static int
read_count(const Line *ln, Py_ssize_t i, long long *count)
{
    Py_ssize_t n;
    const char *p = col(ln, i, &n);
    if (equals(p, n, ln->p->unset, ln->p->unset_len)) {
        return 0;
    }
    if (n < 1 || n > 18 || !all_digits(p, n)) {
        return -1; /* longer numbers: the general path makes the big int */
    }
    long long v = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        v = v * 10 + (p[k] - '0');
    }
    *count = v;
    return 1;
}

/* The two addresses (new references) when both are addresses with different values. */
static int
two_addresses(const Line *ln, PyObject *config, Py_ssize_t oh, Py_ssize_t rh, PyObject **a,
              PyObject **b)
{
    *a = address(ln, config, oh);
    if (*a == NULL) {
        return -1;
    }
    *b = address(ln, config, rh);
    if (*b == NULL) {
        Py_DECREF(*a);
        return -1;
    }
    if (*a == Py_None || *b == Py_None) {
        goto no;
    }
    PyObject *va = value_of(*a), *vb;
    if (va == NULL || (vb = value_of(*b)) == NULL) {
        Py_DECREF(*a);
        Py_DECREF(*b);
        return -1;
    }
    int same = PyObject_RichCompareBool(va, vb, Py_EQ);
    if (same < 0) {
        Py_DECREF(*a);
        Py_DECREF(*b);
        return -1;
    }
    if (!same) {
        return 1;
    }
no:
    Py_DECREF(*a);
    Py_DECREF(*b);
    return 0;
}

/* The objects dict {"0": a, "1": b, "2": traffic}; steals all three. */
static PyObject *
objects_of(PyObject *a, PyObject *b, PyObject *traffic)
{
    PyObject *objects = _PyDict_NewPresized(8);
    int bad = objects == NULL || PyDict_SetItem(objects, keys[0], a) < 0 ||
              PyDict_SetItem(objects, keys[1], b) < 0 ||
              PyDict_SetItem(objects, keys[2], traffic) < 0;
    Py_DECREF(a);
    Py_DECREF(b);
    Py_DECREF(traffic);
    if (bad) {
        Py_XDECREF(objects);
        return NULL;
    }
    return objects;
}

/* What conn and dns lines begin with: the line split, its ts in microseconds and the two
   addresses (new references). 1 when all were read, 0 for the general path, -1 on error. */
static inline int
line_head(Line *ln, const Params *P, const char *text, Py_ssize_t n, long long *micros,
          PyObject **a, PyObject **b)
{
    if (!split_line(ln, P, text, n)) {
        return 0;
    }
    *micros = read_ts(ln, P->ix[0]);
    if (*micros < 0) {
        return 0;
    }
    return two_addresses(ln, P->config, P->ix[1], P->ix[3], a, b);
}

/* The Event of one conn line (without its end); Py_None for the general path. */
static PyObject *
conn_one(const Params *P, const char *text, Py_ssize_t n, Py_ssize_t line_number)
{
    PyObject *config = P->config;
    const Py_ssize_t *ix = P->ix;
    Line ln;
    long long micros;
    PyObject *a, *b;
    int ok = line_head(&ln, P, text, n, &micros, &a, &b);
    if (ok <= 0) {
        if (ok < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    Py_ssize_t pn, sn;
    const char *pp = col(&ln, ix[5], &pn);
    const char *sp = col(&ln, ix[6], &sn);
    long src_port = read_port(&ln, ix[2]), dst_port = read_port(&ln, ix[4]);
    long long sent = 0, received = 0;
    int has_sent = read_count(&ln, ix[7], &sent);
    int has_received = read_count(&ln, ix[8], &received);
    if (equals(pp, pn, P->unset, P->unset_len) || src_port < 0 || dst_port < 0 ||
        has_sent < 0 || has_received < 0) {
        Py_DECREF(a);
        Py_DECREF(b);
        Py_RETURN_NONE;
    }
    /* the table is this module's own: keyed "proto<sep>service" */
    PyObject *key = PyUnicode_New(pn + 1 + sn, 127);
    if (key == NULL) {
        goto fail;
    }
    memcpy(PyUnicode_DATA(key), pp, (size_t)pn);
    ((char *)PyUnicode_DATA(key))[pn] = P->sep;
    memcpy((char *)PyUnicode_DATA(key) + pn + 1, sp, (size_t)sn);
    PyObject *table = PyTuple_GET_ITEM(config, C_PROTOCOLS);
    PyObject *template = PyDict_GetItemWithError(table, key);
    if (template != NULL) {
        Py_INCREF(template);
    }
    else if (!PyErr_Occurred()) {
        PyObject *proto = ascii_text(pp, pn), *service = ascii_text(sp, sn);
        if (proto != NULL && service != NULL) {
            template = PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM(config, C_PROTOCOLS_OF),
                                                    proto, service, NULL);
        }
        Py_XDECREF(proto);
        Py_XDECREF(service);
        if (template != NULL && PyList_Check(template) && PyDict_GET_SIZE(table) < 256 &&
            PyDict_SetItem(table, key, template) < 0) {
            Py_CLEAR(template);
        }
    }
    Py_DECREF(key);
    if (template == NULL) {
        goto fail;
    }
    if (!PyList_Check(template)) { /* None: an empty service */
        Py_DECREF(template);
        Py_DECREF(a);
        Py_DECREF(b);
        Py_RETURN_NONE;
    }
    PyObject *traffic = traffic_dict(template, src_port, dst_port);
    Py_DECREF(template);
    if (traffic == NULL || (has_sent && set_long(traffic, s_src_byte_count, sent) < 0) ||
        (has_received && set_long(traffic, s_dst_byte_count, received) < 0)) {
        Py_XDECREF(traffic);
        goto fail;
    }
    PyObject *objects = objects_of(a, b, traffic);
    if (objects == NULL) {
        return NULL;
    }
    return make_event(config, micros, objects, line_number);
fail:
    Py_DECREF(a);
    Py_DECREF(b);
    return NULL;
}

/* The values an event has so far, to add each once; few, so a scan beats a set. */
typedef struct {
    int on;
    Py_ssize_t n;
    PyObject *values[MAX_KEYS]; /* borrowed: the objects dict holds their objects */
} Seen;

static int
same_text(PyObject *x, PyObject *y)
{
    if (x == y) {
        return 1;
    }
    if (!PyUnicode_CheckExact(x) || !PyUnicode_CheckExact(y)) {
        return PyObject_RichCompareBool(x, y, Py_EQ);
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(x);
    if (n != PyUnicode_GET_LENGTH(y) || PyUnicode_KIND(x) != PyUnicode_KIND(y)) {
        return 0; /* str is canonical: equal text has equal kind */
    }
    return memcmp(PyUnicode_DATA(x), PyUnicode_DATA(y), (size_t)(n * PyUnicode_KIND(x))) == 0;
}

/* Add obj to objects under the next key unless its value was seen: 0 ok, 1 full, -1 error. */
static int
add_new(PyObject *objects, Seen *seen, PyObject *obj)
{
    PyObject *value = NULL;
    if (seen->on) {
        value = value_of(obj);
        if (value == NULL) {
            return -1;
        }
        for (Py_ssize_t i = 0; i < seen->n; i++) {
            int same = same_text(seen->values[i], value);
            if (same != 0) {
                return same < 0 ? -1 : 0;
            }
        }
    }
    Py_ssize_t n = PyDict_GET_SIZE(objects);
    if (n >= MAX_KEYS) {
        return 1;
    }
    if (PyDict_SetItem(objects, keys[n], obj) < 0) {
        return -1;
    }
    if (seen->on) {
        seen->values[seen->n++] = value; /* fewer values than objects: it fits */
    }
    return 0;
}

/* Add a new object made here (see ipv4_object); add_new's results. */
static int
add_made(PyObject *objects, Seen *seen, PyObject *type, const char *p, Py_ssize_t n)
{
    PyObject *obj = value_object(type, p, n);
    if (obj == NULL) {
        return -1;
    }
    int added = add_new(objects, seen, obj);
    Py_DECREF(obj); /* objects holds it (or it was a repeat) */
    return added;
}

/* Add every object of a tuple of name objects: 0 ok, 1 full, -1 error. */
static int
add_names(PyObject *objects, Seen *seen, PyObject *names)
{
    if (!PyTuple_Check(names)) {
        PyErr_SetString(PyExc_TypeError, "name_objects must give a tuple");
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); i++) {
        int r = add_new(objects, seen, PyTuple_GET_ITEM(names, i));
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

/* A memo's object for text when it has a useful one (borrowed), else NULL; -1 on error. */
static int
memo_hit(PyObject *memo, PyObject *text, int names, PyObject **found)
{
    *found = PyDict_GetItemWithError(memo, text);
    if (*found == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    int useful = names ? PyObject_IsTrue(*found) : *found != Py_None;
    if (useful <= 0) {
        *found = NULL;
    }
    return useful < 0 ? -1 : 0;
}

/* One answer into objects: 0 ok, 1 for the general path, -1 error.
 *
 * A memo hit decides: an address found in the address memo is one, and a text found in
 * the name memo with names is no address (domain_names gives () for every text ip_object
 * reads) and no TXT record. So the look-ups may come in any order; the likelier memo goes
 * first, because a failed look-up in a big dict is what costs (perf: most of the time).
 * Without a hit, the order of the Python reader decides. */
static int
add_answer(PyObject *config, const char *p, Py_ssize_t len, PyObject *objects, Seen *seen)
{
    if (len >= 4 && memcmp(p, "TXT ", 4) == 0) {
        return 0; /* TXT text: neither an address nor a name */
    }
    if (canonical_ipv4(p, len)) {
        return add_made(objects, seen, s_ipv4_addr, p, len);
    }
    if (plain_name(p, len)) {
        return add_made(objects, seen, s_domain_name, p, len);
    }
    PyObject *text = ascii_text(p, len);
    if (text == NULL) {
        return -1;
    }
    PyObject *ips = PyTuple_GET_ITEM(config, C_IPS);
    PyObject *names = PyTuple_GET_ITEM(config, C_NAMES);
    int colon = len > 0 && memchr(p, ':', (size_t)len) != NULL; /* no name has one */
    int address_like = colon || (len > 0 && p[len - 1] >= '0' && p[len - 1] <= '9');
    PyObject *found = NULL;
    int r = 0;
    if (address_like && (r = memo_hit(ips, text, 0, &found)) == 0 && found != NULL) {
        r = add_new(objects, seen, found);
        goto done;
    }
    if (r == 0 && !colon && (r = memo_hit(names, text, 1, &found)) == 0 && found != NULL) {
        r = add_names(objects, seen, found);
        goto done;
    }
    if (r == 0 && !address_like && (r = memo_hit(ips, text, 0, &found)) == 0 &&
        found != NULL) {
        r = add_new(objects, seen, found);
        goto done;
    }
    if (r < 0) {
        goto done;
    }
    PyObject *obj = PyObject_CallOneArg(PyTuple_GET_ITEM(config, C_IP_OBJECT), text);
    if (obj == NULL) {
        r = -1;
    }
    else if (obj != Py_None) {
        r = add_new(objects, seen, obj);
    }
    else if (len == 0 || colon) {
        r = 1; /* host:port and other odd answers: the general path decides */
    }
    else {
        PyObject *objs = PyObject_CallOneArg(PyTuple_GET_ITEM(config, C_NAME_OBJECTS), text);
        r = objs == NULL ? -1 : add_names(objects, seen, objs);
        Py_XDECREF(objs);
    }
    Py_XDECREF(obj);
done:
    Py_DECREF(text);
    return r;
}

/* The answers of a dns line into objects: 0 ok, 1 for the general path, -1 error. */
static int
add_answers(const Line *ln, PyObject *config, const char *p, Py_ssize_t n, PyObject *objects,
            Seen *seen)
{
    const char *end = p + n;
    while (1) {
        const char *stop = memchr(p, ln->p->set_sep, (size_t)(end - p));
        if (stop == NULL) {
            stop = end;
        }
        int r = add_answer(config, p, stop - p, objects, seen);
        if (r != 0) {
            return r;
        }
        if (stop == end) {
            return 0;
        }
        p = stop + 1;
    }
}

/* The Event of one dns line (without its end); Py_None for the general path. */
static PyObject *
dns_one(const Params *P, const char *text, Py_ssize_t n, Py_ssize_t line_number)
{
    PyObject *config = P->config;
    const Py_ssize_t *ix = P->ix;
    Line ln;
    long long micros;
    PyObject *a, *b;
    int ok = line_head(&ln, P, text, n, &micros, &a, &b);
    if (ok <= 0) {
        if (ok < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    Py_ssize_t pn;
    const char *pp = col(&ln, ix[5], &pn);
    long src_port = read_port(&ln, ix[2]), dst_port = read_port(&ln, ix[4]);
    if (equals(pp, pn, P->unset, P->unset_len) || src_port < 0 || dst_port < 0) {
        Py_DECREF(a);
        Py_DECREF(b);
        Py_RETURN_NONE;
    }
    PyObject *proto = ascii_text(pp, pn);
    if (proto == NULL) {
        goto fail;
    }
    PyObject *template = PyDict_GetItemWithError(PyTuple_GET_ITEM(config, C_PROTOCOLS), proto);
    if (template != NULL) {
        Py_INCREF(template);
    }
    else if (!PyErr_Occurred()) {
        template = PyObject_CallOneArg(PyTuple_GET_ITEM(config, C_PROTOCOLS_OF), proto);
    }
    Py_DECREF(proto);
    if (template == NULL) {
        goto fail;
    }
    if (!PyList_Check(template)) {
        Py_DECREF(template);
        PyErr_SetString(PyExc_TypeError, "protocols_of must give a list");
        goto fail;
    }
    PyObject *traffic = traffic_dict(template, src_port, dst_port);
    Py_DECREF(template);
    if (traffic == NULL) {
        goto fail;
    }
    Py_ssize_t an, qn;
    const char *ap = col(&ln, ix[7], &an);
    const char *qp = col(&ln, ix[6], &qn);
    Seen seen;
    seen.on = !equals(ap, an, P->unset, P->unset_len) && !equals(ap, an, P->empty, P->empty_len);
    seen.n = 2;
    seen.values[0] = value_of(a); /* checked by two_addresses; a and b stay in objects */
    seen.values[1] = value_of(b);
    PyObject *objects = objects_of(a, b, traffic);
    if (objects == NULL) {
        return NULL;
    }
    int r = 0;
    if (plain_name(qp, qn)) {
        r = add_made(objects, &seen, s_domain_name, qp, qn);
    }
    else if (!equals(qp, qn, P->unset, P->unset_len)) {
        PyObject *names = remembered(PyTuple_GET_ITEM(config, C_NAMES),
                                     PyTuple_GET_ITEM(config, C_NAME_OBJECTS), qp, qn);
        r = names == NULL ? -1 : add_names(objects, &seen, names);
        Py_XDECREF(names);
    }
    if (r == 0 && seen.on) {
        r = add_answers(&ln, config, ap, an, objects, &seen);
    }
    if (r != 0) {
        Py_DECREF(objects);
        if (r < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    return make_event(config, micros, objects, line_number);
fail:
    Py_DECREF(a);
    Py_DECREF(b);
    return NULL;
}


typedef PyObject *(*one_line)(const Params *, const char *, Py_ssize_t, Py_ssize_t);

/* The loop of conn_block and dns_block: events of lines[start:] appended to out until a
 * line the reader does not take; the index of that line (len(lines) when none). */
static PyObject *
read_block(PyObject *const *args, Py_ssize_t nargs, int indices, one_line one)
{
    if (nargs != 5 || !PyList_Check(args[1]) || !PyList_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError, "(config, lines, start, first_number, out)");
        return NULL;
    }
    Params P;
    if (!read_params(&P, args[0], indices)) {
        return NULL;
    }
    PyObject *lines = args[1], *out = args[4];
    Py_ssize_t i = PyLong_AsSsize_t(args[2]);
    Py_ssize_t first = PyLong_AsSsize_t(args[3]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    for (; i >= 0 && i < PyList_GET_SIZE(lines); i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (!PyUnicode_Check(line) || !PyUnicode_IS_ASCII(line)) {
            break;
        }
        const char *text = PyUnicode_DATA(line);
        Py_ssize_t n = PyUnicode_GET_LENGTH(line);
        while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r')) {
            n--; /* the line's end, as str.rstrip("\r\n") */
        }
        Py_INCREF(line); /* a callback could change the list */
        PyObject *event = one(&P, text, n, first + i);
        Py_DECREF(line);
        if (event == NULL) {
            return NULL;
        }
        if (event == Py_None) {
            Py_DECREF(event);
            break;
        }
        int r = PyList_Append(out, event);
        Py_DECREF(event);
        if (r < 0) {
            return NULL;
        }
    }
    return PyLong_FromSsize_t(i);
}

PyDoc_STRVAR(conn_block_doc,
             "conn_block(config, lines, start, first_number, out, /)\n--\n\n"
             "Append the Events of lines[start:] to out up to the first line that is not plain\n"
             "conn; its index (len(lines) when all were). first_number is lines[0]'s number.");

static PyObject *
conn_block(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    return read_block(args, nargs, 9, conn_one);
}

PyDoc_STRVAR(dns_block_doc, "dns_block(config, lines, start, first_number, out, /)\n--\n\n"
                            "The same as conn_block for dns lines.");

static PyObject *
dns_block(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    return read_block(args, nargs, 8, dns_one);
}

static PyMethodDef methods[] = {
    {"conn_block", (PyCFunction)(void (*)(void))conn_block, METH_FASTCALL, conn_block_doc},
    {"dns_block", (PyCFunction)(void (*)(void))dns_block, METH_FASTCALL, dns_block_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "stixhub.sensor.readers._speedups",
    "The Zeek conn and dns line readers in C (optional; see _speedups.c).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    struct {
        PyObject **slot;
        const char *text;
    } names[] = {
        {&s_type, "type"},
        {&s_ipv4_addr, "ipv4-addr"},
        {&s_domain_name, "domain-name"},
        {&s_value, "value"},
        {&s_network_traffic, "network-traffic"},
        {&s_protocols, "protocols"},
        {&s_src_ref, "src_ref"},
        {&s_dst_ref, "dst_ref"},
        {&s_src_port, "src_port"},
        {&s_dst_port, "dst_port"},
        {&s_src_byte_count, "src_byte_count"},
        {&s_dst_byte_count, "dst_byte_count"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        *names[i].slot = PyUnicode_InternFromString(names[i].text);
        if (*names[i].slot == NULL) {
            return NULL;
        }
    }
    for (int i = 0; i < MAX_KEYS; i++) {
        keys[i] = PyUnicode_FromFormat("%d", i);
        if (keys[i] == NULL) {
            return NULL;
        }
    }
    return PyModule_Create(&module);
}
