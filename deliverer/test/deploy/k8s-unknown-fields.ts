import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { MODELS, type Manifest, modelKey } from './k8s-manifests.js';

/** Where the generated sources pretend to live, so the models resolve from deliverer/. */
const HERE = fileURLToPath(new URL('.', import.meta.url));

/**
 * Fields a kind does not have. kubernetes-models' JSON schemas allow unknown properties, so
 * `validate()` passes a misspelt `readinesProbe` that the API server would reject (or, with
 * lenient field validation, drop without a word). TypeScript's excess-property check does not:
 * each document becomes an object literal typed as its kind's interface, at every depth.
 * Returns one message per offending field, naming the file and document.
 */
export function unknownFields(manifests: readonly Manifest[]): string[] {
  const sources = new Map<string, { manifest: Manifest; text: string }>();
  for (const manifest of manifests) {
    const model = MODELS[modelKey(manifest.object)];
    if (!model) continue;
    const path = join(HERE, `__k8s__${manifest.file.replaceAll('/', '__')}__${manifest.index}.ts`);
    const text =
      `import type { ${model.type} } from '${model.module}';\n` +
      `export const manifest: ${model.type} = ${JSON.stringify(manifest.object, null, 2)};\n`;
    sources.set(path, { manifest, text });
  }

  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (path) => sources.has(path) || fileExists.call(host, path);
  host.readFile = (path) => sources.get(path)?.text ?? readFile.call(host, path);
  host.getSourceFile = (path, language, ...rest) => {
    const source = sources.get(path);
    return source
      ? ts.createSourceFile(path, source.text, language)
      : getSourceFile.call(host, path, language, ...rest);
  };

  const program = ts.createProgram([...sources.keys()], options, host);
  return [...sources.entries()].flatMap(([path, { manifest }]) =>
    ts
      .getPreEmitDiagnostics(program, program.getSourceFile(path))
      .map(
        (diagnostic) =>
          `${manifest.file}#${manifest.index} ${manifest.object.kind}/${manifest.object.metadata.name}: ` +
          ts.flattenDiagnosticMessageText(diagnostic.messageText, ' '),
      ),
  );
}
