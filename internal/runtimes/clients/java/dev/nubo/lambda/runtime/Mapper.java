package dev.nubo.lambda.runtime;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps parsed JSON to Java types and Java values to JSON by reflection, the
 * way AWS's Jackson-based serializer does for the common cases: public
 * setters and fields in, public getters and fields out, nulls left out of
 * objects, unknown properties ignored, records both ways.
 */
final class Mapper {
    private Mapper() {}

    private static final Map<Class<?>, Map<String, Property>> READ = new ConcurrentHashMap<>();
    // Prefix of case-folded keys in READ maps; no JSON key of a Java property starts with NUL.
    private static final String LOWER = "\0";
    private static final Map<Class<?>, List<Property>> WRITE = new ConcurrentHashMap<>();

    // ------------------------------------------------------------- reading

    static Object read(Object node, Type type) {
        if (type instanceof Class) {
            return readClass(node, (Class<?>) type, type);
        }
        if (type instanceof ParameterizedType) {
            return readClass(node, (Class<?>) ((ParameterizedType) type).getRawType(), type);
        }
        if (type instanceof GenericArrayType) {
            Type component = ((GenericArrayType) type).getGenericComponentType();
            return readArray(node, raw(component), component);
        }
        if (type instanceof WildcardType) {
            Type[] upper = ((WildcardType) type).getUpperBounds();
            return read(node, upper.length > 0 ? upper[0] : Object.class);
        }
        if (type instanceof TypeVariable) {
            Type[] bounds = ((TypeVariable<?>) type).getBounds();
            return read(node, bounds.length > 0 ? bounds[0] : Object.class);
        }
        return natural(node);
    }

    static Class<?> raw(Type t) {
        if (t instanceof Class) {
            return (Class<?>) t;
        }
        if (t instanceof ParameterizedType) {
            return (Class<?>) ((ParameterizedType) t).getRawType();
        }
        if (t instanceof GenericArrayType) {
            return Array.newInstance(raw(((GenericArrayType) t).getGenericComponentType()), 0).getClass();
        }
        return Object.class;
    }

    private static Type typeArg(Type t, int i) {
        if (t instanceof ParameterizedType) {
            Type[] args = ((ParameterizedType) t).getActualTypeArguments();
            if (i < args.length) {
                return args[i];
            }
        }
        return Object.class;
    }

    /** A parsed value with numbers made Integer/Long/BigInteger/Double. */
    static Object natural(Object node) {
        if (node instanceof Json.Num) {
            return ((Json.Num) node).natural();
        }
        if (node instanceof Map) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) node).entrySet()) {
                m.put((String) e.getKey(), natural(e.getValue()));
            }
            return m;
        }
        if (node instanceof List) {
            List<Object> l = new ArrayList<>();
            for (Object o : (List<?>) node) {
                l.add(natural(o));
            }
            return l;
        }
        return node;
    }

    private static IllegalArgumentException mismatch(Class<?> c, Object node) {
        String what = node instanceof Map ? "Object value" : node instanceof List ? "Array value" : "value " + node;
        return new IllegalArgumentException("Cannot deserialize value of type `" + c.getName() + "` from " + what);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object readClass(Object node, Class<?> c, Type type) {
        if (c == Object.class) {
            return natural(node);
        }
        if (node == null) {
            return c.isPrimitive() ? primitiveDefault(c) : null;
        }
        if (c == String.class || c == CharSequence.class) {
            if (node instanceof Map || node instanceof List) {
                throw mismatch(c, node);
            }
            return node.toString();
        }
        if (c.isPrimitive() || Number.class.isAssignableFrom(c) || c == Boolean.class || c == Character.class) {
            return readScalar(node, c);
        }
        if (c.isEnum()) {
            String name = node.toString();
            for (Object constant : c.getEnumConstants()) {
                if (((Enum<?>) constant).name().equals(name)) {
                    return constant;
                }
            }
            return null; // READ_UNKNOWN_ENUM_VALUES_AS_NULL
        }
        if (c.isArray()) {
            return readArray(node, c.getComponentType(), c.getComponentType());
        }
        if (Map.class.isAssignableFrom(c)) {
            if (!(node instanceof Map)) {
                throw mismatch(c, node);
            }
            Map m = newMap(c);
            Type kt = typeArg(type, 0);
            Type vt = typeArg(type, 1);
            for (Map.Entry<?, ?> e : ((Map<?, ?>) node).entrySet()) {
                m.put(read(e.getKey(), kt), read(e.getValue(), vt));
            }
            return m;
        }
        if (Collection.class.isAssignableFrom(c) || c == Iterable.class) {
            List<?> items = node instanceof List ? (List<?>) node : java.util.Collections.singletonList(node);
            Collection col = newCollection(c);
            Type et = typeArg(type, 0);
            for (Object o : items) {
                col.add(read(o, et));
            }
            return col;
        }
        if (c == Optional.class) {
            return Optional.ofNullable(read(node, typeArg(type, 0)));
        }
        Object time = Times.read(node, c);
        if (time != null) {
            return time;
        }
        if (node instanceof Map) {
            return readObject((Map<?, ?>) node, c);
        }
        if (node instanceof String && ((String) node).isEmpty()) {
            return null; // ACCEPT_EMPTY_STRING_AS_NULL_OBJECT
        }
        if (node instanceof List && ((List<?>) node).isEmpty()) {
            return null; // ACCEPT_EMPTY_ARRAY_AS_NULL_OBJECT
        }
        if (node instanceof List && ((List<?>) node).size() == 1) {
            return readClass(((List<?>) node).get(0), c, type); // UNWRAP_SINGLE_VALUE_ARRAYS
        }
        throw mismatch(c, node);
    }

    private static Object primitiveDefault(Class<?> c) {
        if (c == boolean.class) {
            return false;
        }
        if (c == char.class) {
            return '\0';
        }
        return readScalar(new Json.Num("0"), c);
    }

    private static Object readScalar(Object node, Class<?> c) {
        if (c == boolean.class || c == Boolean.class) {
            if (node instanceof Boolean) {
                return node;
            }
            if (node instanceof String) {
                return Boolean.parseBoolean((String) node);
            }
            if (node instanceof Json.Num) {
                return ((Json.Num) node).doubleValue() != 0;
            }
            throw mismatch(c, node);
        }
        if (c == char.class || c == Character.class) {
            String s = node.toString();
            if (s.length() != 1) {
                throw mismatch(c, node);
            }
            return s.charAt(0);
        }
        Json.Num n;
        if (node instanceof Json.Num) {
            n = (Json.Num) node;
        } else if (node instanceof String) {
            n = new Json.Num(((String) node).trim());
        } else if (node instanceof Boolean) {
            n = new Json.Num(((Boolean) node) ? "1" : "0");
        } else {
            throw mismatch(c, node);
        }
        try {
            if (c == int.class || c == Integer.class) {
                return n.intValue();
            }
            if (c == long.class || c == Long.class) {
                return n.longValue();
            }
            if (c == double.class || c == Double.class) {
                return n.doubleValue();
            }
            if (c == float.class || c == Float.class) {
                return n.floatValue();
            }
            if (c == short.class || c == Short.class) {
                return (short) n.intValue();
            }
            if (c == byte.class || c == Byte.class) {
                return (byte) n.intValue();
            }
            if (c == BigDecimal.class) {
                return n.decimal();
            }
            if (c == BigInteger.class) {
                return n.decimal().toBigInteger();
            }
            if (c == Number.class) {
                return n.natural();
            }
        } catch (NumberFormatException e) {
            throw mismatch(c, node);
        }
        throw mismatch(c, node);
    }

    private static Object readArray(Object node, Class<?> component, Type componentType) {
        if (component == byte.class && node instanceof String) {
            return Base64.getDecoder().decode((String) node);
        }
        if (component == char.class && node instanceof String) {
            return ((String) node).toCharArray();
        }
        List<?> items = node instanceof List ? (List<?>) node : java.util.Collections.singletonList(node);
        Object arr = Array.newInstance(component, items.size());
        for (int i = 0; i < items.size(); i++) {
            Array.set(arr, i, read(items.get(i), componentType));
        }
        return arr;
    }

    @SuppressWarnings("rawtypes")
    private static Map newMap(Class<?> c) {
        if (!c.isInterface() && !Modifier.isAbstract(c.getModifiers())) {
            try {
                return (Map) c.getConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                // fall through to a standard implementation
            }
        }
        if (SortedMap.class.isAssignableFrom(c)) {
            return new TreeMap<>();
        }
        if (c.isAssignableFrom(LinkedHashMap.class)) {
            return new LinkedHashMap<>();
        }
        return new HashMap<>();
    }

    @SuppressWarnings("rawtypes")
    private static Collection newCollection(Class<?> c) {
        if (!c.isInterface() && !Modifier.isAbstract(c.getModifiers())) {
            try {
                return (Collection) c.getConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                // fall through to a standard implementation
            }
        }
        if (SortedSet.class.isAssignableFrom(c)) {
            return new TreeSet<>();
        }
        if (Set.class.isAssignableFrom(c)) {
            return new LinkedHashSet<>();
        }
        return new ArrayList<>();
    }

    private static Object readObject(Map<?, ?> node, Class<?> c) {
        if (Records.isRecord(c)) {
            return Records.read(node, c);
        }
        Object obj;
        try {
            Constructor<?> ctor = c.getDeclaredConstructor();
            ctor.setAccessible(true);
            obj = ctor.newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "Cannot construct instance of `" + c.getName() + "`: no zero-argument constructor", e);
        }
        Map<String, Property> props = READ.computeIfAbsent(c, Mapper::readableProperties);
        for (Map.Entry<?, ?> e : node.entrySet()) {
            String key = (String) e.getKey();
            Property p = props.get(key);
            if (p == null) {
                // AWS's serializer maps event keys such as "Records" and
                // "eventSourceARN" onto aws-lambda-java-events' setters
                // (setRecords, setEventSourceArn); matching case-insensitively
                // does the same for them and for similar POJOs.
                p = props.get(LOWER + key.toLowerCase(java.util.Locale.ROOT));
            }
            if (p != null) {
                p.set(obj, read(e.getValue(), p.type));
            }
        }
        return obj;
    }

    /** A property to set (setter or field) or to get (getter or field). */
    private static final class Property {
        final String name;
        final Type type;
        final Method method;
        final Field field;

        Property(String name, Type type, Method method, Field field) {
            this.name = name;
            this.type = type;
            this.method = method;
            this.field = field;
        }

        void set(Object obj, Object value) {
            try {
                if (method != null) {
                    method.invoke(obj, value);
                } else {
                    field.set(obj, value);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException("cannot set property " + name, e);
            }
        }

        Object get(Object obj) {
            try {
                return method != null ? method.invoke(obj) : field.get(obj);
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException("cannot get property " + name, e);
            }
        }
    }

    private static Map<String, Property> readableProperties(Class<?> c) {
        Map<String, Property> props = new HashMap<>();
        for (Field f : c.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                props.put(f.getName(), new Property(f.getName(), f.getGenericType(), null, f));
            }
        }
        for (Method m : c.getMethods()) {
            String n = m.getName();
            if (Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 1 || m.isBridge()
                    || n.length() <= 3 || !n.startsWith("set")) {
                continue;
            }
            String name = beanName(n.substring(3));
            props.put(name, new Property(name, m.getGenericParameterTypes()[0], m, null));
        }
        Map<String, Property> folded = new HashMap<>();
        for (Property p : props.values()) {
            folded.putIfAbsent(LOWER + p.name.toLowerCase(java.util.Locale.ROOT), p);
        }
        props.putAll(folded);
        return props;
    }

    /** java.beans.Introspector.decapitalize: "URL" stays, "Name" becomes "name". */
    static String beanName(String s) {
        if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isUpperCase(s.charAt(1))) {
            return s;
        }
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    // ------------------------------------------------------------- writing

    static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value, 0);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v, int depth) {
        if (depth > 1000) {
            throw new IllegalArgumentException("Direct self-reference or nesting too deep");
        }
        if (v == null) {
            b.append("null");
        } else if (v instanceof String || v instanceof Character || v instanceof CharSequence) {
            Json.quote(b, v.toString());
        } else if (v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Number) {
            writeNumber(b, (Number) v);
        } else if (v instanceof Map) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                Json.quote(b, String.valueOf(e.getKey()));
                b.append(':');
                write(b, e.getValue(), depth + 1);
            }
            b.append('}');
        } else if (v instanceof Iterable) {
            b.append('[');
            boolean first = true;
            for (Object o : (Iterable<?>) v) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                write(b, o, depth + 1);
            }
            b.append(']');
        } else if (v instanceof byte[]) {
            Json.quote(b, Base64.getEncoder().encodeToString((byte[]) v));
        } else if (v instanceof char[]) {
            Json.quote(b, new String((char[]) v));
        } else if (v.getClass().isArray()) {
            b.append('[');
            int n = Array.getLength(v);
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    b.append(',');
                }
                write(b, Array.get(v, i), depth + 1);
            }
            b.append(']');
        } else if (v instanceof Enum) {
            Json.quote(b, ((Enum<?>) v).name());
        } else if (v instanceof Optional) {
            write(b, ((Optional<?>) v).orElse(null), depth + 1);
        } else if (v instanceof Date) {
            b.append(((Date) v).getTime());
        } else if (Times.isTime(v)) {
            Json.quote(b, v.toString());
        } else {
            writeObject(b, v, depth);
        }
    }

    private static void writeNumber(StringBuilder b, Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                Json.quote(b, n.toString()); // WRITE_NAN_AS_STRINGS
                return;
            }
        }
        if (n instanceof BigDecimal) {
            b.append(((BigDecimal) n).toString());
            return;
        }
        b.append(n);
    }

    private static void writeObject(StringBuilder b, Object v, int depth) {
        List<Property> props = WRITE.computeIfAbsent(v.getClass(), Mapper::writableProperties);
        b.append('{');
        boolean first = true;
        for (Property p : props) {
            Object value = p.get(v);
            if (value == null) {
                continue; // Include.NON_NULL
            }
            if (!first) {
                b.append(',');
            }
            first = false;
            Json.quote(b, p.name);
            b.append(':');
            write(b, value, depth + 1);
        }
        b.append('}');
    }

    private static List<Property> writableProperties(Class<?> c) {
        Map<String, Property> props = new LinkedHashMap<>();
        if (Records.isRecord(c)) {
            for (Method m : Records.accessors(c)) {
                m.setAccessible(true);
                props.put(m.getName(), new Property(m.getName(), m.getGenericReturnType(), m, null));
            }
            return new ArrayList<>(props.values());
        }
        for (Field f : c.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                props.put(f.getName(), new Property(f.getName(), f.getGenericType(), null, f));
            }
        }
        List<Property> getters = new ArrayList<>();
        for (Method m : c.getMethods()) {
            String n = m.getName();
            if (Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0 || m.isBridge()
                    || m.getDeclaringClass() == Object.class || m.getReturnType() == void.class) {
                continue;
            }
            String name = null;
            if (n.startsWith("get") && n.length() > 3) {
                name = beanName(n.substring(3));
            } else if (n.startsWith("is") && n.length() > 2
                    && (m.getReturnType() == boolean.class || m.getReturnType() == Boolean.class)) {
                name = beanName(n.substring(2));
            }
            if (name != null) {
                getters.add(new Property(name, m.getGenericReturnType(), m, null));
            }
        }
        // Declared field order first, as Jackson does, then the rest by name.
        List<String> order = new ArrayList<>();
        for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
            List<String> names = new ArrayList<>();
            for (Field f : k.getDeclaredFields()) {
                names.add(f.getName());
            }
            order.addAll(0, names);
        }
        getters.sort((x, y) -> {
            int ix = order.indexOf(x.name);
            int iy = order.indexOf(y.name);
            if (ix >= 0 && iy >= 0) {
                return Integer.compare(ix, iy);
            }
            if (ix >= 0 || iy >= 0) {
                return ix >= 0 ? -1 : 1;
            }
            return x.name.compareTo(y.name);
        });
        for (Property g : getters) {
            props.put(g.name, g);
        }
        return new ArrayList<>(props.values());
    }
}
