// Command: rebuild Chroma's vectors from PostgreSQL after Chroma's data is lost (docs/operations.md).
//   DATABASE_URL=… CHROMA_URL=… npx tsx activities/src/rebuild-chroma.ts [collection …]
// Runs where the embedding models are (a worker image, or with OLLAMA_HOST/OPENAI_BASE_URL set).
import pg from 'pg';
import { z } from 'zod';
import { chromaClientFor, createModelProvider } from './index';
import { collectionsToRebuild, rebuildChromaCollection } from './chroma-rebuild';

const env = z.object({ DATABASE_URL: z.string().min(1), CHROMA_URL: z.string().url() }).safeParse(process.env);
if (!env.success) {
  console.error(`rebuild-chroma: set ${env.error.issues.map((issue) => issue.path.join('.')).join(' and ')} (the deployment's PostgreSQL and Chroma)`);
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: env.data.DATABASE_URL, max: 2 });
const models = await createModelProvider(process.env);
try {
  const collections = await collectionsToRebuild(pool, process.argv.slice(2));
  for (const collection of collections) {
    const count = await rebuildChromaCollection({ pool, chroma: chromaClientFor(env.data.CHROMA_URL), models }, collection, (done, of) => process.stdout.write(`\r${collection.name}: ${done}/${of} chunks`));
    console.log(`\r${collection.name}: ${count} chunks re-embedded with ${collection.embeddingModel} into ${collection.chromaName}`);
  }
} catch (error) {
  console.error(`rebuild-chroma: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await models.close();
  await pool.end();
}
