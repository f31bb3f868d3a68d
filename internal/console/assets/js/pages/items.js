// DynamoDB's typed attribute values, as the console shows and reads them.

// plain shows a typed value ({"S": "x"}, {"N": "1"}, {"M": {...}}) as
// text.
export function plain(av) {
  return typeof av === "object" && av !== null ? text(av) : String(av);
}

function text(av) {
  const [type, v] = Object.entries(av)[0] || [];
  switch (type) {
    case "S": case "N": return v;
    case "BOOL": return String(v);
    case "NULL": return "null";
    case "B": return "<binary " + v.length + " base64>";
    case "SS": case "NS": return "{" + v.join(", ") + "}";
    case "BS": return "{" + v.length + " binary}";
    case "L": return JSON.stringify(v.map(value));
    case "M": return JSON.stringify(Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x)])));
    default: return JSON.stringify(av);
  }
}

// value is a typed value as JSON would have it.
function value(av) {
  const [type, v] = Object.entries(av)[0] || [];
  switch (type) {
    case "N": return Number(v);
    case "NULL": return null;
    case "L": return v.map(value);
    case "M": return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x)]));
    default: return v;
  }
}

// typed makes a key's value of type S, N or B from what the user typed.
export function typed(type, s) {
  return { [type]: type === "B" ? btoa(s) : s };
}
