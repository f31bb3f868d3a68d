// Signing in: the console keeps, for the tab only, temporary credentials
// that STS derived from the access key the user typed (or, when nubo
// serves no STS, the key itself), and the region to act in.
import { serves } from "./config.js";

const KEY = "nubo.session";

// session returns the signed-in session, or null.
export function session() {
  const s = sessionStorage.getItem(KEY);
  return s ? JSON.parse(s) : null;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

function keep(s) {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

// signIn derives a session from an access key with STS GetSessionToken
// (which also proves the key right when nubo verifies signatures).
export async function signIn(accessKeyId, secretAccessKey, region) {
  keep({ region, user: accessKeyId, credentials: { accessKeyId, secretAccessKey } });
  if (!serves("sts")) return session();
  const { query, xmlText } = await import("./aws.js");
  try {
    const doc = await query("sts", "GetSessionToken", { DurationSeconds: "43200" });
    keep({
      region, user: accessKeyId,
      credentials: {
        accessKeyId: xmlText(doc, "AccessKeyId"), secretAccessKey: xmlText(doc, "SecretAccessKey"),
        sessionToken: xmlText(doc, "SessionToken"),
      },
    });
  } catch (err) {
    signOut();
    throw err;
  }
  return session();
}
