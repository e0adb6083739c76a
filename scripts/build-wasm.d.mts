/** Types of build-wasm.mjs (imported by the unit test that checks the committed bytes). */
export function compileKernels(): Promise<string>;
export function moduleText(base64: string): string;
