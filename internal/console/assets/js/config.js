// What the console knows of the nubo that serves it (config.json, written
// by the server): the services it serves, so that the console shows their
// pages and calls no other.
let config = { services: [] };

export async function loadConfig() {
  const resp = await fetch("/_nubo/console/config.json");
  if (resp.ok) config = await resp.json();
}

// serves tells whether nubo serves the service of this signing name.
export function serves(service) {
  return !service || config.services.includes(service);
}
