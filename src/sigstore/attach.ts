/**
 * Signing statements about an image and attaching the bundles, one after the other (the fallback tag is
 * read-modify-write). What is already attached is not signed again: with a key (its identity is known up
 * front) the check comes before signing; keyless, after (the identity is only known from the certificate),
 * so a re-run costs a Fulcio certificate and a Rekor entry but stores nothing new.
 */
import type { RegistryClient } from '../registry/index.js';
import type { BundleSigner } from './builder.js';
import {
  attachBundle,
  findEquivalentReferrer,
  listReferrers,
  resolveSubject,
  type ReferrersStorage,
} from './referrers.js';
import type { SubjectDescriptor } from './referrers-index.js';
import { checkStatement, statementPayload } from './statement.js';
import { BUNDLE_MEDIA_TYPE, type InTotoStatement } from './types.js';

export interface SignAndAttachOptions {
  repository: string;
  /** The image: its digest or its descriptor. */
  subject: string | SubjectDescriptor;
  /** E.g. `signatureStatement(...)`, an SPDX statement, a SLSA provenance statement. */
  statements: readonly InTotoStatement[];
  /** RFC 3339, for the referrers' `org.opencontainers.image.created`. */
  created?: string;
}

export interface AttachedStatement {
  predicateType: string;
  /** The referrer manifest's digest. */
  referrer: string;
  /** False when an equivalent bundle was already attached. */
  added: boolean;
  /** False when the signing itself was skipped (a key signer and an equivalent bundle already there). */
  signed: boolean;
  storage: ReferrersStorage;
}

export async function signAndAttach(
  client: RegistryClient,
  signer: BundleSigner,
  o: SignAndAttachOptions,
): Promise<AttachedStatement[]> {
  const statements = o.statements.map((s, i) => checkStatement(s, `statement ${i + 1}`));
  const subject = await resolveSubject(client, o.repository, o.subject);
  const out: AttachedStatement[] = [];
  for (const statement of statements) {
    if (signer.identity !== undefined) {
      const want = {
        predicateType: statement.predicateType,
        payload: statementPayload(statement),
        signer: signer.identity,
      };
      const listing = await listReferrers(client, o.repository, subject.digest, { artifactType: BUNDLE_MEDIA_TYPE });
      const same = await findEquivalentReferrer(client, o.repository, subject.digest, want, listing.referrers);
      if (same !== undefined) {
        out.push({
          predicateType: statement.predicateType,
          referrer: same.digest,
          added: false,
          signed: false,
          storage: listing.storage,
        });
        continue;
      }
    }
    const bundle = await signer.signStatement(statement);
    const result = await attachBundle(client, {
      repository: o.repository,
      subject,
      bundle,
      ...(o.created === undefined ? {} : { created: o.created }),
    });
    out.push({
      predicateType: statement.predicateType,
      referrer: result.referrer.digest,
      added: result.added,
      signed: true,
      storage: result.storage,
    });
  }
  return out;
}
