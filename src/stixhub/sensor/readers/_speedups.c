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

static PyObject *s_type, *s_value, *s_network_traffic, *s_protocols, *s_src_ref, *s_dst_ref;
static PyObject *s_src_port, *s_dst_port, *s_src_byte_count, *s_dst_byte_count;
static PyObject *keys[MAX_KEYS]; /* "0".."63" */

typedef struct {
    const char *text;
    Py_ssize_t start[MAX_COLUMNS + 1]; /* column i is text[start[i] : start[i+1] - 1] */
    Py_ssize_t width;
    char sep;
    char set_sep;
    const char *unset;
    Py_ssize_t unset_len;
    const char *empty;
    Py_ssize_t empty_len;
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

/* Split the line into exactly width columns; 0 when it is not an ASCII line without
 * backslashes with that many columns (the general path reads those). */
static int
split_line(Line *ln, PyObject *line, PyObject *config)
{
    if (!PyUnicode_Check(line) || !PyUnicode_IS_ASCII(line)) {
        return 0;
    }
    ln->width = PyLong_AsSsize_t(PyTuple_GET_ITEM(config, C_WIDTH));
    if (ln->width < 1 || ln->width > MAX_COLUMNS) {
        return 0;
    }
    PyObject *marks[4];
    for (int i = 0; i < 4; i++) {
        marks[i] = PyTuple_GET_ITEM(config, C_SEP + i);
        if (!PyUnicode_Check(marks[i]) || !PyUnicode_IS_ASCII(marks[i])) {
            return 0;
        }
    }
    if (PyUnicode_GET_LENGTH(marks[0]) != 1 || PyUnicode_GET_LENGTH(marks[1]) != 1) {
        return 0;
    }
    ln->sep = ((const char *)PyUnicode_DATA(marks[0]))[0];
    ln->set_sep = ((const char *)PyUnicode_DATA(marks[1]))[0];
    ln->unset = PyUnicode_DATA(marks[2]);
    ln->unset_len = PyUnicode_GET_LENGTH(marks[2]);
    ln->empty = PyUnicode_DATA(marks[3]);
    ln->empty_len = PyUnicode_GET_LENGTH(marks[3]);
    const char *text = PyUnicode_DATA(line);
    Py_ssize_t n = PyUnicode_GET_LENGTH(line);
    Py_ssize_t columns = 1;
    ln->text = text;
    ln->start[0] = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = text[i];
        if (c == ln->sep) {
            if (columns >= ln->width) {
                return 0;
            }
            ln->start[columns++] = i + 1;
        }
        else if (c == '\\') {
            return 0;
        }
    }
    if (columns != ln->width) {
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

/* memo.get(text) or fallback(text), as a new reference; NULL with an exception set. */
static PyObject *
remembered(PyObject *memo, PyObject *fallback, const char *p, Py_ssize_t n)
{
    PyObject *text = PyUnicode_FromStringAndSize(p, n);
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

/* The address object of column i as a new reference; Py_None (new) when it is none. */
static PyObject *
address(const Line *ln, PyObject *config, Py_ssize_t i)
{
    Py_ssize_t n;
    const char *p = col(ln, i, &n);
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
make_event(PyObject *config, long long micros, PyObject *objects, PyObject *number)
{
    PyTypeObject *type = (PyTypeObject *)PyTuple_GET_ITEM(config, C_EVENT);
    PyObject *time = PyLong_FromLongLong(micros);
    if (time == NULL) {
        Py_DECREF(objects);
        return NULL;
    }
    PyObject *event = type->tp_alloc(type, 5);
    if (event == NULL) {
        Py_DECREF(time);
        Py_DECREF(objects);
        return NULL;
    }
    PyObject *source = PyTuple_GET_ITEM(config, C_SOURCE);
    PyObject *kind = PyTuple_GET_ITEM(config, C_KIND);
    Py_INCREF(source);
    Py_INCREF(number);
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
    PyObject *traffic = PyDict_New();
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
    if (equals(p, n, ln->unset, ln->unset_len)) {
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
    PyObject *objects = PyDict_New();
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

PyDoc_STRVAR(conn_doc, "conn(config, line, number, /)\n--\n\n"
                       "The Event of a plain conn line; None for the general path.");

static PyObject *
conn(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyTuple_Check(args[0]) || PyTuple_GET_SIZE(args[0]) != C_SIZE) {
        PyErr_SetString(PyExc_TypeError, "conn(config, line, number)");
        return NULL;
    }
    PyObject *config = args[0];
    Py_ssize_t ix[9];
    for (int i = 0; i < 9; i++) {
        ix[i] = PyLong_AsSsize_t(PyTuple_GET_ITEM(config, C_I0 + i));
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    Line ln;
    if (!split_line(&ln, args[1], config)) {
        Py_RETURN_NONE;
    }
    long long micros = read_ts(&ln, ix[0]);
    if (micros < 0) {
        Py_RETURN_NONE;
    }
    PyObject *a, *b;
    int ok = two_addresses(&ln, config, ix[1], ix[3], &a, &b);
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
    if (equals(pp, pn, ln.unset, ln.unset_len) || src_port < 0 || dst_port < 0 ||
        has_sent < 0 || has_received < 0) {
        Py_DECREF(a);
        Py_DECREF(b);
        Py_RETURN_NONE;
    }
    PyObject *key = Py_BuildValue("(s#s#)", pp, pn, sp, sn);
    if (key == NULL) {
        goto fail;
    }
    PyObject *template = PyDict_GetItemWithError(PyTuple_GET_ITEM(config, C_PROTOCOLS), key);
    if (template != NULL) {
        Py_INCREF(template);
    }
    else if (!PyErr_Occurred()) {
        template = PyObject_Call(PyTuple_GET_ITEM(config, C_PROTOCOLS_OF), key, NULL);
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
    return make_event(config, micros, objects, args[2]);
fail:
    Py_DECREF(a);
    Py_DECREF(b);
    return NULL;
}

/* Add obj to objects under the next key unless its value was seen: 0 ok, 1 full, -1 error. */
static int
add_new(PyObject *objects, PyObject *seen, PyObject *obj)
{
    PyObject *value;
    if (seen != NULL) {
        value = value_of(obj);
        if (value == NULL) {
            return -1;
        }
        int known = PySet_Contains(seen, value);
        if (known != 0) {
            return known < 0 ? -1 : 0;
        }
    }
    Py_ssize_t n = PyDict_GET_SIZE(objects);
    if (n >= MAX_KEYS) {
        return 1;
    }
    if (seen != NULL && PySet_Add(seen, value) < 0) {
        return -1;
    }
    return PyDict_SetItem(objects, keys[n], obj);
}

/* Add every object of a tuple of name objects: 0 ok, 1 full, -1 error. */
static int
add_names(PyObject *objects, PyObject *seen, PyObject *names)
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

/* The answers of a dns line into objects: 0 ok, 1 for the general path, -1 error. */
static int
add_answers(const Line *ln, PyObject *config, const char *p, Py_ssize_t n, PyObject *objects,
            PyObject *seen)
{
    PyObject *names_memo = PyTuple_GET_ITEM(config, C_NAMES);
    PyObject *name_objects = PyTuple_GET_ITEM(config, C_NAME_OBJECTS);
    const char *end = p + n;
    while (1) {
        const char *stop = memchr(p, ln->set_sep, (size_t)(end - p));
        if (stop == NULL) {
            stop = end;
        }
        Py_ssize_t len = stop - p;
        PyObject *text = PyUnicode_FromStringAndSize(p, len);
        if (text == NULL) {
            return -1;
        }
        int r = 0;
        PyObject *found = PyDict_GetItemWithError(names_memo, text); /* borrowed */
        if (found != NULL && PyObject_IsTrue(found) == 1) {
            r = add_names(objects, seen, found); /* names known to have names are no address */
        }
        else if (PyErr_Occurred()) {
            r = -1;
        }
        else if (!(len >= 4 && memcmp(p, "TXT ", 4) == 0)) {
            PyObject *obj = remembered(PyTuple_GET_ITEM(config, C_IPS),
                                       PyTuple_GET_ITEM(config, C_IP_OBJECT), p, len);
            if (obj == NULL) {
                r = -1;
            }
            else if (obj != Py_None) {
                r = add_new(objects, seen, obj);
            }
            else if (len == 0 || memchr(p, ':', (size_t)len) != NULL) {
                r = 1; /* host:port and other odd answers: the general path decides */
            }
            else {
                PyObject *names = PyObject_CallOneArg(name_objects, text);
                r = names == NULL ? -1 : add_names(objects, seen, names);
                Py_XDECREF(names);
            }
            Py_XDECREF(obj);
        }
        Py_DECREF(text);
        if (r != 0) {
            return r;
        }
        if (stop == end) {
            return 0;
        }
        p = stop + 1;
    }
}

PyDoc_STRVAR(dns_doc, "dns(config, line, number, /)\n--\n\n"
                      "The Event of a plain dns line; None for the general path.");

static PyObject *
dns(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyTuple_Check(args[0]) || PyTuple_GET_SIZE(args[0]) != C_SIZE) {
        PyErr_SetString(PyExc_TypeError, "dns(config, line, number)");
        return NULL;
    }
    PyObject *config = args[0];
    Py_ssize_t ix[8];
    for (int i = 0; i < 8; i++) {
        ix[i] = PyLong_AsSsize_t(PyTuple_GET_ITEM(config, C_I0 + i));
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    Line ln;
    if (!split_line(&ln, args[1], config)) {
        Py_RETURN_NONE;
    }
    long long micros = read_ts(&ln, ix[0]);
    if (micros < 0) {
        Py_RETURN_NONE;
    }
    PyObject *a, *b;
    int ok = two_addresses(&ln, config, ix[1], ix[3], &a, &b);
    if (ok <= 0) {
        if (ok < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    Py_ssize_t pn;
    const char *pp = col(&ln, ix[5], &pn);
    long src_port = read_port(&ln, ix[2]), dst_port = read_port(&ln, ix[4]);
    if (equals(pp, pn, ln.unset, ln.unset_len) || src_port < 0 || dst_port < 0) {
        Py_DECREF(a);
        Py_DECREF(b);
        Py_RETURN_NONE;
    }
    PyObject *proto = PyUnicode_FromStringAndSize(pp, pn);
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
    PyObject *seen = NULL;
    Py_ssize_t an, qn;
    const char *ap = col(&ln, ix[7], &an);
    const char *qp = col(&ln, ix[6], &qn);
    int answered = !equals(ap, an, ln.unset, ln.unset_len) &&
                   !equals(ap, an, ln.empty, ln.empty_len);
    if (answered) {
        seen = PySet_New(NULL);
        if (seen == NULL || PySet_Add(seen, value_of(a)) < 0 ||
            PySet_Add(seen, value_of(b)) < 0) {
            Py_XDECREF(seen);
            Py_DECREF(traffic);
            goto fail;
        }
    }
    PyObject *objects = objects_of(a, b, traffic);
    if (objects == NULL) {
        Py_XDECREF(seen);
        return NULL;
    }
    int r = 0;
    if (!equals(qp, qn, ln.unset, ln.unset_len)) {
        PyObject *names = remembered(PyTuple_GET_ITEM(config, C_NAMES),
                                     PyTuple_GET_ITEM(config, C_NAME_OBJECTS), qp, qn);
        r = names == NULL ? -1 : add_names(objects, seen, names);
        Py_XDECREF(names);
    }
    if (r == 0 && answered) {
        r = add_answers(&ln, config, ap, an, objects, seen);
    }
    Py_XDECREF(seen);
    if (r != 0) {
        Py_DECREF(objects);
        if (r < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    return make_event(config, micros, objects, args[2]);
fail:
    Py_DECREF(a);
    Py_DECREF(b);
    return NULL;
}

static PyMethodDef methods[] = {
    {"conn", (PyCFunction)(void (*)(void))conn, METH_FASTCALL, conn_doc},
    {"dns", (PyCFunction)(void (*)(void))dns, METH_FASTCALL, dns_doc},
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
