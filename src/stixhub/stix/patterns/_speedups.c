/* The inner loop of PatternIndex._candidates in C: which indicators do an event's values
 * point at?
 *
 * Profiling (py-spy, docs/benchmarks.md) put four fifths of the index's time in that loop:
 * a handful of dict and set look-ups per value, each paying the interpreter's dispatch. This
 * module runs the same look-ups on the same Python tables (PatternIndex owns and updates
 * them; nothing is copied here), so both implementations answer alike by construction, and
 * the property tests run each one against the general matcher.
 *
 * Only the common shapes are handled here: an object that is a dict, a one- or two-key
 * plain path holding a str, and an address inet_pton reads. Every other case calls back
 * into Python (`slow_probe`, `slow_object`, `like_text`, `lookup_cidr`), which is the
 * reference reading; the module never decides a case it does not fully understand.
 *
 * The module is optional: setup.py builds it when a C compiler is there, and _index.py
 * falls back to the pure-Python loop without it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <arpa/inet.h>
#include <string.h>

typedef unsigned __int128 u128;

static PyObject *str_type; /* "type", interned once */

/* found |= ids, when ids is a non-empty set. */
static int
add_ids(PyObject *found, PyObject *ids)
{
    if (ids == NULL || !PyObject_IsTrue(ids)) {
        return 0;
    }
    PyObject *r = PyNumber_InPlaceOr(found, ids);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

/* found |= table[key] when present (a borrowed look-up). */
static int
add_from(PyObject *found, PyObject *table, PyObject *key)
{
    PyObject *ids = PyDict_GetItemWithError(table, key);
    if (ids == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    return add_ids(found, ids);
}

/* The prefix (or suffix) groups of a LIKE table: a tuple of (char, counts, sorted). For
 * each group, the text is probed at each occurrence of the group's character inside the
 * window of its lengths, or at each of its lengths when the character is frequent there:
 * the same two ways as _PathTable.lookup_like, which says why. */
static int
like_groups(PyObject *text, PyObject *table, PyObject *groups, PyObject *found, int suffix)
{
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    Py_ssize_t n = PyTuple_GET_SIZE(groups);
    for (Py_ssize_t g = 0; g < n; g++) {
        PyObject *group = PyTuple_GET_ITEM(groups, g);
        PyObject *chr = PyTuple_GET_ITEM(group, 0);
        PyObject *counts = PyTuple_GET_ITEM(group, 1);
        PyObject *ordered = PyTuple_GET_ITEM(group, 2);
        if (PyUnicode_GET_LENGTH(chr) == 0) { /* LIKE '%': every text */
            if (add_from(found, table, chr) < 0) {
                return -1;
            }
            continue;
        }
        Py_ssize_t count = PyList_GET_SIZE(ordered);
        if (count == 0) {
            continue;
        }
        Py_ssize_t shortest = PyLong_AsSsize_t(PyList_GET_ITEM(ordered, 0));
        Py_ssize_t longest = PyLong_AsSsize_t(PyList_GET_ITEM(ordered, count - 1));
        if ((shortest == -1 || longest == -1) && PyErr_Occurred()) {
            return -1;
        }
        Py_ssize_t low, high;
        if (!suffix) {
            low = shortest - 1;
            if (low >= size) {
                continue;
            }
            high = longest;
        }
        else {
            high = size - shortest + 1;
            if (high <= 0) {
                continue;
            }
            low = size - longest;
            if (low < 0) {
                low = 0;
            }
        }
        Py_UCS4 ch = PyUnicode_READ_CHAR(chr, 0);
        Py_ssize_t seen = PyUnicode_Count(text, chr, low, high);
        if (seen < 0) {
            return -1;
        }
        if (seen <= PyDict_GET_SIZE(counts)) {
            Py_ssize_t i = PyUnicode_FindChar(text, ch, low, high, 1);
            while (i >= 0) {
                Py_ssize_t length = suffix ? size - i : i + 1;
                PyObject *key = PyLong_FromSsize_t(length);
                if (key == NULL) {
                    return -1;
                }
                int has = PyDict_Contains(counts, key);
                Py_DECREF(key);
                if (has < 0) {
                    return -1;
                }
                if (has) {
                    PyObject *part = suffix ? PyUnicode_Substring(text, i, size)
                                            : PyUnicode_Substring(text, 0, i + 1);
                    if (part == NULL) {
                        return -1;
                    }
                    int rc = add_from(found, table, part);
                    Py_DECREF(part);
                    if (rc < 0) {
                        return -1;
                    }
                }
                i = PyUnicode_FindChar(text, ch, i + 1, high, 1);
            }
            if (i == -2) {
                return -1;
            }
        }
        else {
            for (Py_ssize_t k = 0; k < count; k++) {
                Py_ssize_t length = PyLong_AsSsize_t(PyList_GET_ITEM(ordered, k));
                if (length == -1 && PyErr_Occurred()) {
                    return -1;
                }
                if (length > size) {
                    break;
                }
                Py_ssize_t at = suffix ? size - length : length - 1;
                if (PyUnicode_READ_CHAR(text, at) != ch) {
                    continue;
                }
                PyObject *part = suffix ? PyUnicode_Substring(text, at, size)
                                        : PyUnicode_Substring(text, 0, length);
                if (part == NULL) {
                    return -1;
                }
                int rc = add_from(found, table, part);
                Py_DECREF(part);
                if (rc < 0) {
                    return -1;
                }
            }
        }
    }
    return 0;
}

/* like_info = (like, prefix, prefix_groups, suffix, suffix_groups). */
static int
lookup_like(PyObject *text, PyObject *like_info, PyObject *found)
{
    PyObject *like = PyTuple_GET_ITEM(like_info, 0);
    if (PyDict_GET_SIZE(like) && add_from(found, like, text) < 0) {
        return -1;
    }
    PyObject *prefix_groups = PyTuple_GET_ITEM(like_info, 2);
    if (PyTuple_GET_SIZE(prefix_groups) &&
        like_groups(text, PyTuple_GET_ITEM(like_info, 1), prefix_groups, found, 0) < 0) {
        return -1;
    }
    PyObject *suffix_groups = PyTuple_GET_ITEM(like_info, 4);
    if (PyTuple_GET_SIZE(suffix_groups) &&
        like_groups(text, PyTuple_GET_ITEM(like_info, 3), suffix_groups, found, 1) < 0) {
        return -1;
    }
    return 0;
}

/* The network bits of an address shifted right by `shift`, as a Python int. */
static PyObject *
shifted(u128 bits, long shift)
{
    if (shift >= 128) {
        return PyLong_FromLong(0);
    }
    u128 v = bits >> shift;
    unsigned long long lo = (unsigned long long)v;
    unsigned long long hi = (unsigned long long)(v >> 64);
    if (hi == 0) {
        return PyLong_FromUnsignedLongLong(lo);
    }
    PyObject *h = PyLong_FromUnsignedLongLong(hi);
    PyObject *sixty_four = PyLong_FromLong(64);
    PyObject *l = PyLong_FromUnsignedLongLong(lo);
    PyObject *r = NULL;
    if (h != NULL && sixty_four != NULL && l != NULL) {
        PyObject *up = PyNumber_Lshift(h, sixty_four);
        if (up != NULL) {
            r = PyNumber_Or(up, l);
            Py_DECREF(up);
        }
    }
    Py_XDECREF(h);
    Py_XDECREF(sixty_four);
    Py_XDECREF(l);
    return r;
}

/* nets: a list of (shift, {bits >> shift: ids}). */
static int
probe_nets(u128 bits, PyObject *nets, PyObject *found)
{
    Py_ssize_t n = PyList_GET_SIZE(nets);
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *pair = PyList_GET_ITEM(nets, k);
        long shift = PyLong_AsLong(PyTuple_GET_ITEM(pair, 0));
        if (shift == -1 && PyErr_Occurred()) {
            return -1;
        }
        PyObject *key = shifted(bits, shift);
        if (key == NULL) {
            return -1;
        }
        int rc = add_from(found, PyTuple_GET_ITEM(pair, 1), key);
        Py_DECREF(key);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* version probe = (coarse map or None, its keys, coarse shift, nets probed directly). */
static int
probe_version(u128 bits, PyObject *probe, PyObject *found)
{
    PyObject *coarse = PyTuple_GET_ITEM(probe, 0);
    if (coarse != Py_None && PyDict_GET_SIZE(coarse)) {
        long shift = PyLong_AsLong(PyTuple_GET_ITEM(probe, 2));
        if (shift == -1 && PyErr_Occurred()) {
            return -1;
        }
        PyObject *key = shifted(bits, shift);
        if (key == NULL) {
            return -1;
        }
        PyObject *nets = PyDict_GetItemWithError(coarse, key);
        Py_DECREF(key);
        if (nets == NULL && PyErr_Occurred()) {
            return -1;
        }
        if (nets != NULL && probe_nets(bits, nets, found) < 0) {
            return -1;
        }
    }
    return probe_nets(bits, PyTuple_GET_ITEM(probe, 3), found);
}

/* Read a plain address as inet_pton does (and as socket.inet_pton does for Python).
 * Returns 4 or 6, or 0 when it is not one. */
static int
read_address(PyObject *value, u128 *bits)
{
    Py_ssize_t size;
    const char *text = PyUnicode_AsUTF8AndSize(value, &size);
    if (text == NULL) {
        PyErr_Clear();
        return 0;
    }
    if ((Py_ssize_t)strlen(text) != size) {
        return 0; /* an embedded NUL: Python refuses it too */
    }
    if (memchr(text, ':', (size_t)size) != NULL) {
        unsigned char raw[16];
        if (inet_pton(AF_INET6, text, raw) != 1) {
            return 0;
        }
        u128 v = 0;
        for (int i = 0; i < 16; i++) {
            v = (v << 8) | raw[i];
        }
        *bits = v;
        return 6;
    }
    unsigned char raw[4];
    if (inet_pton(AF_INET, text, raw) != 1) {
        return 0;
    }
    *bits = ((u128)raw[0] << 24) | ((u128)raw[1] << 16) | ((u128)raw[2] << 8) | raw[3];
    return 4;
}

typedef struct {
    PyObject *found;
    PyObject *unreadable; /* a set, or NULL until the first unreadable CIDR value */
    PyObject *scos;
    PyObject *slow_probe;
    PyObject *like_text;
} Run;

static int
mark_unreadable(Run *run, PyObject *text)
{
    if (run->unreadable == NULL) {
        run->unreadable = PySet_New(NULL);
        if (run->unreadable == NULL) {
            return -1;
        }
    }
    return PySet_Add(run->unreadable, text);
}

/* Hand one probe of one object to the Python reference; it returns the path text when a
 * CIDR value was unreadable, else None. */
static int
call_slow(Run *run, PyObject *pyprobe, PyObject *obj)
{
    PyObject *r = PyObject_CallFunctionObjArgs(run->slow_probe, pyprobe, obj, run->scos,
                                               run->found, NULL);
    if (r == NULL) {
        return -1;
    }
    int rc = 0;
    if (r != Py_None) {
        rc = mark_unreadable(run, r);
    }
    Py_DECREF(r);
    return rc;
}

/* cprobe = (key, key2, exact_keys or None, exact, like_info or None, cidr table or None,
 *           cidr4, cidr6, python probe). */
static int
run_probe(Run *run, PyObject *cprobe, PyObject *obj)
{
    PyObject *key = PyTuple_GET_ITEM(cprobe, 0);
    PyObject *pyprobe = PyTuple_GET_ITEM(cprobe, 8);
    if (key == Py_None) {
        return call_slow(run, pyprobe, obj);
    }
    PyObject *value = PyDict_GetItemWithError(obj, key);
    if (value == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    PyObject *key2 = PyTuple_GET_ITEM(cprobe, 1);
    if (key2 != Py_None) {
        if (!PyDict_CheckExact(value)) {
            return call_slow(run, pyprobe, obj); /* Python decides: another Mapping or none */
        }
        value = PyDict_GetItemWithError(value, key2);
        if (value == NULL) {
            return PyErr_Occurred() ? -1 : 0;
        }
    }
    if (!PyUnicode_CheckExact(value)) {
        return call_slow(run, pyprobe, obj);
    }
    Py_INCREF(value); /* the object may change under a callback; keep the value alive */
    int rc = -1;
    PyObject *exact_keys = PyTuple_GET_ITEM(cprobe, 2);
    if (exact_keys != Py_None) {
        int has = PySet_Contains(exact_keys, value);
        if (has < 0) {
            goto done;
        }
        if (has && add_from(run->found, PyTuple_GET_ITEM(cprobe, 3), value) < 0) {
            goto done;
        }
    }
    PyObject *like_info = PyTuple_GET_ITEM(cprobe, 4);
    if (like_info != Py_None) {
        if (PyUnicode_IS_ASCII(value)) {
            if (lookup_like(value, like_info, run->found) < 0) {
                goto done;
            }
        }
        else {
            PyObject *text = PyObject_CallOneArg(run->like_text, value);
            if (text == NULL) {
                goto done;
            }
            int lrc = PyUnicode_Check(text) ? lookup_like(text, like_info, run->found) : 0;
            Py_DECREF(text);
            if (lrc < 0) {
                goto done;
            }
        }
    }
    PyObject *cidr = PyTuple_GET_ITEM(cprobe, 5);
    if (cidr != Py_None) {
        u128 bits = 0;
        int version = read_address(value, &bits);
        if (version == 0) {
            /* What inet_pton refuses, the table reads as the general matcher does. */
            PyObject *ok = PyObject_CallMethod(cidr, "lookup_cidr", "OO", value, run->found);
            if (ok == NULL) {
                goto done;
            }
            int truth = PyObject_IsTrue(ok);
            Py_DECREF(ok);
            if (truth < 0) {
                goto done;
            }
            if (!truth) {
                PyObject *text = PyObject_GetAttrString(cidr, "text");
                if (text == NULL) {
                    goto done;
                }
                int mrc = mark_unreadable(run, text);
                Py_DECREF(text);
                if (mrc < 0) {
                    goto done;
                }
            }
        }
        else if (probe_version(bits, PyTuple_GET_ITEM(cprobe, version == 4 ? 6 : 7),
                               run->found) < 0) {
            goto done;
        }
    }
    rc = 0;
done:
    Py_DECREF(value);
    return rc;
}

PyDoc_STRVAR(candidates_doc,
"candidates(probes_by_type, scos, found, unreadable, slow_probe, slow_object, like_text)\n"
"\n"
"Add to `found` the ids the objects of `scos` point at; return the set of CIDR path texts\n"
"holding an unreadable value (`unreadable` extended, or a new set, or None).");

static PyObject *
candidates(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "candidates() takes 7 arguments");
        return NULL;
    }
    PyObject *probes_by_type = args[0];
    PyObject *scos = args[1];
    PyObject *slow_object = args[5];
    if (!PyDict_Check(probes_by_type) || !PyDict_Check(scos) || !PySet_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "candidates() needs dicts and a set");
        return NULL;
    }
    Run run = {args[2], NULL, scos, args[4], args[6]};
    if (args[3] != Py_None) {
        run.unreadable = args[3];
        Py_INCREF(run.unreadable);
    }
    /* A snapshot of the objects: a callback may not change the dict under the loop. */
    PyObject *objects = PyDict_Values(scos);
    if (objects == NULL) {
        goto fail;
    }
    Py_ssize_t n = PyList_GET_SIZE(objects);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *obj = PyList_GET_ITEM(objects, i);
        if (!PyDict_CheckExact(obj)) { /* Python decides: another Mapping, or nothing */
            PyObject *r = PyObject_CallFunctionObjArgs(slow_object, probes_by_type, obj, scos,
                                                       run.found, NULL);
            if (r == NULL) {
                goto fail_objects;
            }
            if (r != Py_None) {
                if (run.unreadable == NULL) {
                    run.unreadable = PySet_New(NULL);
                }
                PyObject *u = run.unreadable ? PyNumber_InPlaceOr(run.unreadable, r) : NULL;
                Py_DECREF(r);
                if (u == NULL) {
                    goto fail_objects;
                }
                Py_DECREF(u);
            }
            else {
                Py_DECREF(r);
            }
            continue;
        }
        PyObject *type = PyDict_GetItemWithError(obj, str_type);
        if (type == NULL) {
            if (PyErr_Occurred()) {
                goto fail_objects;
            }
            continue;
        }
        if (!PyUnicode_CheckExact(type)) {
            continue;
        }
        PyObject *probes = PyDict_GetItemWithError(probes_by_type, type);
        if (probes == NULL) {
            if (PyErr_Occurred()) {
                goto fail_objects;
            }
            continue;
        }
        Py_INCREF(probes);
        Py_ssize_t m = PyTuple_GET_SIZE(probes);
        for (Py_ssize_t k = 0; k < m; k++) {
            if (run_probe(&run, PyTuple_GET_ITEM(probes, k), obj) < 0) {
                Py_DECREF(probes);
                goto fail_objects;
            }
        }
        Py_DECREF(probes);
    }
    Py_DECREF(objects);
    if (run.unreadable == NULL) {
        Py_RETURN_NONE;
    }
    return run.unreadable;
fail_objects:
    Py_DECREF(objects);
fail:
    Py_XDECREF(run.unreadable);
    return NULL;
}

static PyMethodDef methods[] = {
    {"candidates", (PyCFunction)(void (*)(void))candidates, METH_FASTCALL, candidates_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "stixhub.stix.patterns._speedups",
    "The inner loop of PatternIndex in C (optional; see _speedups.c).",
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
    str_type = PyUnicode_InternFromString("type");
    if (str_type == NULL) {
        return NULL;
    }
    return PyModule_Create(&module);
}
