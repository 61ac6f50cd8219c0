/**
 * The container engine's allow-list from `ALLOWED_IMAGES`: image names separated by
 * commas, 'name' for any tag or 'name:tag' for one (a private registry's
 * `registry.example.com/team/algo`, a locally built `localhost/my-algo:1`). Unset or empty:
 * undefined, the engine's own default (the node and python images).
 */
export function allowedImages (env: NodeJS.ProcessEnv): string[] | undefined {
  const images = (env.ALLOWED_IMAGES ?? '').split(',').map(image => image.trim()).filter(image => image !== '')
  return images.length > 0 ? images : undefined
}
