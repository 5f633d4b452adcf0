import { bakePng, bakeSvg, hasPngSignature, unbake } from '@skillproof/core';
import { readInput, UsageError, writeOutput } from '../io.js';

/** `skillproof bake <image.png|svg> <credential> --out FILE` */
export async function bake(image: string | undefined, credential: string | undefined, options: { out?: string }) {
  if (!image || !credential)
    throw new UsageError('Usage: skillproof bake <image.png|image.svg> <credential> --out FILE');
  if (!options.out) throw new UsageError('--out FILE is required (a baked image is binary).');
  const imageBytes = await readInput(image);
  const text = new TextDecoder().decode(await readInput(credential)).trim();
  let payload: object | string = text;
  if (text.startsWith('{')) {
    try {
      payload = JSON.parse(text) as object;
    } catch (e) {
      throw new UsageError(`${credential} is not valid JSON: ${(e as Error).message}`);
    }
  }
  const baked = hasPngSignature(imageBytes)
    ? bakePng(imageBytes, payload)
    : bakeSvg(new TextDecoder().decode(imageBytes), payload);
  await writeOutput(options.out, baked);
  return 0;
}

/** `skillproof unbake <image>`: prints the credential (JSON or JWT) baked into the image. */
export async function unbakeCommand(image: string | undefined) {
  if (!image) throw new UsageError('Usage: skillproof unbake <image>');
  const { text } = unbake(await readInput(image));
  await writeOutput(undefined, text);
  return 0;
}
