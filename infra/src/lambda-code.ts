import { DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const lambdaDir = fileURLToPath(new URL('../lambda', import.meta.url));

/**
 * TypeScript Lambda code bundled by esbuild on this machine (no Docker at synth). The asset
 * hash is the source directory's, so an unchanged Lambda never re-uploads. The AWS SDK v3
 * is left out: the Node.js runtime provides it.
 */
export function lambdaCode(entry: string): lambda.Code {
  return lambda.Code.fromAsset(lambdaDir, {
    bundling: {
      image: DockerImage.fromRegistry('unused-local-bundling-only'),
      local: {
        tryBundle(outputDir: string) {
          buildSync({
            entryPoints: [path.join(lambdaDir, entry)],
            outfile: path.join(outputDir, 'index.mjs'),
            bundle: true,
            platform: 'node',
            format: 'esm',
            target: 'node24',
            external: ['@aws-sdk/*'],
            logLevel: 'warning',
          });
          return true;
        },
      },
    },
  });
}
