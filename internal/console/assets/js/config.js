// What the console knows of the nubo that serves it (written into the
// page by the server): the services it serves, so that the console shows
// their pages and calls no other.
export const config = JSON.parse(document.getElementById("config").textContent);

// serves tells whether nubo serves the service of this signing name.
export function serves(service) {
  return !service || config.services.includes(service);
}
