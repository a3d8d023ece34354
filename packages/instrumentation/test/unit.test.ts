import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expiryState } from '../src/expiry.js';
import { replaceExport } from '../src/exports-patch.js';
import { classifyRejection, providerErrorType } from '../src/rejections.js';
import { signingAccessKeyId } from '../src/signed-request.js';
import { sourceFromFeatures } from '../src/sources.js';

// Pure functions; their integration is proven against the emulator in the other files.
describe('signingAccessKeyId', () => {
  it('reads the key from the Authorization header and from a presigned query', () => {
    const authorization =
      'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE123/20261121/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab';
    expect(signingAccessKeyId({ headers: { authorization } })).toBe('ASIAEXAMPLE123');
    expect(signingAccessKeyId({ headers: {}, query: { 'X-Amz-Credential': 'AKIAEXAMPLE/20261121/x' } })).toBe(
      'AKIAEXAMPLE',
    );
    expect(signingAccessKeyId({ headers: {} })).toBeUndefined();
    expect(
      signingAccessKeyId({ headers: { authorization: 'AWS4-HMAC-SHA256 Credential=ASIANOSCOPE' } }),
    ).toBeUndefined();
    expect(
      signingAccessKeyId({ headers: { authorization: 'AWS4-HMAC-SHA256 Credential=/20261121/x' } }),
    ).toBeUndefined();
    expect(signingAccessKeyId({ headers: { authorization: 'Bearer token' } })).toBeUndefined();
    expect(signingAccessKeyId(undefined)).toBeUndefined();
  });

  it('never throws, whatever the request looks like', () => {
    fc.assert(fc.property(fc.anything(), (request) => signingAccessKeyId(request) === undefined || true));
  });
});

describe('expiryState', () => {
  it('draws the lines at expiry and at the SDK refresh window (5 minutes)', () => {
    expect(expiryState(undefined, 0)).toBe('no_expiry');
    expect(expiryState(1000, 1000)).toBe('expired');
    expect(expiryState(300_000, 1)).toBe('refresh_window');
    expect(expiryState(300_000, 0)).toBe('valid');
  });
});

describe('classifyRejection', () => {
  const valid = { expiryState: 'valid' as const, temporary: true };
  it.each([
    'TokenRefreshRequired',
    'ExpiredToken',
    'ExpiredTokenException',
    'InvalidToken',
    'RequestExpired',
    'InvalidClientTokenId',
  ])('takes %s from the error name', (name) => {
    expect(classifyRejection({ name }, 'GET', valid)).toEqual({ errorType: name, inferred: false });
  });

  it('infers a bare HEAD 400 from the signing credentials, and only that', () => {
    const bare = { name: 'Unknown', $metadata: { httpStatusCode: 400 } };
    expect(classifyRejection(bare, 'HEAD', { expiryState: 'expired', temporary: true })).toEqual({
      errorType: 'ExpiredToken',
      inferred: true,
    });
    expect(classifyRejection(bare, 'HEAD', valid)).toEqual({
      errorType: 'TokenRefreshRequired',
      inferred: true,
    });
    expect(classifyRejection(bare, 'HEAD', { expiryState: 'no_expiry', temporary: false })).toBeUndefined();
    expect(
      classifyRejection(bare, 'HEAD', {
        expiryState: 'no_expiry',
        temporary: true,
        lastRejection: 'ExpiredToken',
      }),
    ).toEqual({ errorType: 'ExpiredToken', inferred: true });
    expect(classifyRejection(bare, 'GET', valid)).toBeUndefined();
    expect(
      classifyRejection({ name: 'NotFound', $metadata: { httpStatusCode: 404 } }, 'HEAD', valid),
    ).toBeUndefined();
    expect(classifyRejection({ name: 'AccessDenied' }, 'PUT', valid)).toBeUndefined();
    expect(classifyRejection('boom', 'PUT', valid)).toBeUndefined();
  });

  it('names a provider failure by its class, _OTHER when it has none', () => {
    class CredentialsProviderError extends Error {
      override name = 'CredentialsProviderError';
    }
    expect(providerErrorType(new CredentialsProviderError('x'))).toBe('CredentialsProviderError');
    expect(providerErrorType(new TypeError('x'))).toBe('TypeError');
    expect(providerErrorType('x')).toBe('_OTHER');
    expect(providerErrorType(null)).toBe('_OTHER');
  });
});

describe('sourceFromFeatures', () => {
  it('prefers the most specific route among the feature codes', () => {
    const identity = (codes: string[]) => ({
      accessKeyId: 'a',
      secretAccessKey: 's',
      $source: Object.fromEntries(codes.map((code, i) => [`F${i}`, code])),
    });
    expect(sourceFromFeatures(identity(['i', 'o']))).toBe('assume_role');
    expect(sourceFromFeatures(identity(['T', 'k', 'h']))).toBe('web_identity');
    expect(sourceFromFeatures(identity(['w', 'v']))).toBe('process');
    expect(sourceFromFeatures(identity(['u', 't']))).toBe('sso');
    expect(sourceFromFeatures(identity(['z']))).toBe('container');
    expect(sourceFromFeatures(identity(['0']))).toBe('imds');
    expect(sourceFromFeatures(identity(['g']))).toBe('env');
    expect(sourceFromFeatures(identity(['e']))).toBe('static');
    expect(sourceFromFeatures(identity([]))).toBeUndefined();
    expect(sourceFromFeatures({ accessKeyId: 'a', secretAccessKey: 's' })).toBeUndefined();
  });
});

describe('replaceExport', () => {
  const wrap =
    (original: (...args: unknown[]) => unknown) =>
    (...args: unknown[]) =>
      `wrapped ${original(...args)}`;

  it('patches a writable export in place', () => {
    const moduleExports = { factory: () => 'x' };
    expect(replaceExport(moduleExports, 'factory', wrap)).toBe(moduleExports);
    expect(moduleExports.factory()).toBe('wrapped x');
  });

  it("copies exports behind esbuild's non-configurable getters, keeping __esModule and the rest", () => {
    const moduleExports = {};
    Object.defineProperty(moduleExports, '__esModule', { value: true });
    Object.defineProperty(moduleExports, 'factory', { get: () => () => 'x', enumerable: true });
    Object.defineProperty(moduleExports, 'other', { get: () => 42, enumerable: true });
    const patched = replaceExport(moduleExports, 'factory', wrap) as Record<string, unknown>;
    expect(patched).not.toBe(moduleExports);
    expect((patched.factory as () => string)()).toBe('wrapped x');
    expect(patched.other).toBe(42);
    expect(patched.__esModule).toBe(true);
  });
});
