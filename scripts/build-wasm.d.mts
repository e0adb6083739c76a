/** Types of build-wasm.mjs (imported by the unit test that checks the committed bytes). */
export function compileModules(): Promise<Record<string, string>>;
export function moduleText(modules: Record<string, string>): string;
