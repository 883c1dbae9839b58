/** Path of the generated module, relative to the package root. */
export declare const OUTPUT: string;
/** Its declaration file (the chained ops' types). */
export declare const DECLARATION: string;
/** The text of DECLARATION. */
export declare const DECLARATION_TEXT: string;
/** The tfjs-core modules whose side effects the generated file performs. */
export declare const ENTRIES: readonly string[];
/** Folder of the tfjs-core that tensor-core resolves. */
export declare function tfjsCoreDir(): string;
/** The generated module's text (deterministic for one tfjs-core and one esbuild version). */
export declare function generate(): Promise<string>;
