// Signing in: the console keeps, for the tab only, temporary credentials
// that STS derived from the access key the user typed (or, when nubo
// serves no STS, the key itself), and the region to act in. A session
// that expires sends the user back to the sign-in form. A nubo that takes
// every caller for the root (--auth none) needs no sign-in: the console
// signs its requests with any key.
import { serves, config } from "./config.js";

const KEY = "nubo.session";

// session returns the signed-in session, or null (also once it expired).
export function session() {
  if (config.open) return { open: true, region: config.region, user: "root (--auth none)", credentials: { accessKeyId: "test", secretAccessKey: "test" } };
  const s = JSON.parse(sessionStorage.getItem(KEY) || "null");
  if (s?.expires && Date.parse(s.expires) <= Date.now()) {
    signOut("Your session ended: sign in again.");
    return null;
  }
  return s;
}

// signOut forgets the session; why, if given, shows on the sign-in form.
export function signOut(why) {
  sessionStorage.removeItem(KEY);
  if (why) sessionStorage.setItem(KEY + ".why", why);
  dispatchEvent(new Event("nubo:signed-out"));
}

// whySignedOut returns, once, why the last session ended.
export function whySignedOut() {
  const why = sessionStorage.getItem(KEY + ".why");
  sessionStorage.removeItem(KEY + ".why");
  return why;
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
      region, user: accessKeyId, expires: xmlText(doc, "Expiration"),
      credentials: {
        accessKeyId: xmlText(doc, "AccessKeyId"), secretAccessKey: xmlText(doc, "SecretAccessKey"),
        sessionToken: xmlText(doc, "SessionToken"),
      },
    });
  } catch (err) {
    sessionStorage.removeItem(KEY);
    throw err;
  }
  return session();
}
