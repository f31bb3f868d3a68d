// Signing in: the console keeps, for the tab only, temporary credentials
// that STS derived from the access key the user typed (or, when nubo runs
// with --auth none, whatever was typed), and the region to act in.
const KEY = "nubo.session";

// session returns the signed-in session, or null.
export function session() {
  const s = sessionStorage.getItem(KEY);
  return s ? JSON.parse(s) : null;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

// signIn derives a session from an access key: GetSessionToken when nubo
// verifies signatures, the key itself when it does not.
export async function signIn(accessKeyId, secretAccessKey, region) {
  sessionStorage.setItem(KEY, JSON.stringify({ region, credentials: { accessKeyId, secretAccessKey } }));
  const { query } = await import("./aws.js");
  try {
    const doc = await query("sts", "GetSessionToken", { DurationSeconds: "43200" });
    const get = (n) => doc.getElementsByTagName(n)[0]?.textContent;
    if (get("SessionToken")) {
      sessionStorage.setItem(KEY, JSON.stringify({
        region, user: accessKeyId,
        credentials: { accessKeyId: get("AccessKeyId"), secretAccessKey: get("SecretAccessKey"), sessionToken: get("SessionToken") },
      }));
    }
  } catch (err) {
    if (err.status === 403) {
      signOut();
      throw err;
    }
    // No STS (nubo runs with --auth none, or predates it): keep the key.
  }
  return session();
}
