/**
 * An error the emulator answers with, in the shape of the AWS service that was called.
 * `fields` become extra XML elements (S3 adds e.g. `<BucketName>`), as AWS does.
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }

  /** STS's `<Type>`: client mistakes are `Sender`, server faults `Receiver`. */
  get type(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

type Catalog = Record<string, readonly [status: number, message: string]>;

/** S3's codes, HTTP statuses and messages, as S3 returns them. */
const S3_ERRORS = {
  AccessDenied: [403, 'Access Denied'],
  AuthorizationHeaderMalformed: [400, 'The authorization header is malformed.'],
  AuthorizationQueryParametersError: [
    400,
    'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
  ],
  BadDigest: [
    400,
    'The Content-MD5 or checksum value that you specified did not match what the server received.',
  ],
  BucketAlreadyOwnedByYou: [
    409,
    'Your previous request to create the named bucket succeeded and you already own it.',
  ],
  BucketNotEmpty: [409, 'The bucket you tried to delete is not empty'],
  EntityTooLarge: [400, 'Your proposed upload exceeds the maximum allowed size'],
  EntityTooSmall: [400, 'Your proposed upload is smaller than the minimum allowed object size.'],
  ExpiredToken: [400, 'The provided token has expired.'],
  IncompleteBody: [
    400,
    'You did not provide the number of bytes specified by the Content-Length HTTP header',
  ],
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  InvalidAccessKeyId: [403, 'The AWS Access Key Id you provided does not exist in our records.'],
  InvalidArgument: [400, 'Invalid Argument'],
  InvalidBucketName: [400, 'The specified bucket is not valid.'],
  InvalidPart: [
    400,
    "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
  ],
  InvalidPartOrder: [
    400,
    'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
  ],
  InvalidRequest: [400, 'Invalid Request'],
  InvalidToken: [400, 'The provided token is malformed or otherwise invalid.'],
  MalformedXML: [
    400,
    'The XML you provided was not well-formed or did not validate against our published schema',
  ],
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource.'],
  MissingContentLength: [411, 'You must provide the Content-Length HTTP header.'],
  NoSuchBucket: [404, 'The specified bucket does not exist'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NoSuchUpload: [
    404,
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  ],
  NotImplemented: [501, 'A header you provided implies functionality that is not implemented'],
  RequestHeaderSectionTooLarge: [400, 'Your request header section exceeds the maximum allowed size.'],
  RequestTimeTooSkewed: [403, 'The difference between the request time and the current time is too large.'],
  SignatureDoesNotMatch: [
    403,
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  ],
  SlowDown: [503, 'Please reduce your request rate.'],
  TokenRefreshRequired: [400, 'The provided token must be refreshed.'],
  XAmzContentSHA256Mismatch: [
    400,
    "The provided 'x-amz-content-sha256' header does not match what was computed.",
  ],
} as const satisfies Catalog;

/** STS's codes, HTTP statuses and messages (query protocol). */
const STS_ERRORS = {
  AccessDenied: [403, 'User is not authorized to perform: sts:AssumeRole'],
  ExpiredToken: [400, 'The security token included in the request is expired'],
  ExpiredTokenException: [400, "Token expired: current date/time is after the token's expiry"],
  IncompleteSignature: [
    400,
    "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
  ],
  InternalFailure: [
    500,
    'The request processing has failed because of an unknown error, exception or failure.',
  ],
  InvalidAction: [400, 'Could not find operation'],
  InvalidClientTokenId: [403, 'The security token included in the request is invalid.'],
  InvalidIdentityToken: [400, 'The web identity token that was passed could not be validated by AWS.'],
  MalformedQueryString: [400, 'The query string is malformed.'],
  MissingAction: [400, 'Missing Action'],
  MissingAuthenticationToken: [403, 'Request is missing Authentication Token'],
  MissingParameter: [400, 'A required parameter was not supplied.'],
  SignatureDoesNotMatch: [
    403,
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
  ],
  Throttling: [400, 'Rate exceeded'],
  ValidationError: [400, 'The request did not validate.'],
} as const satisfies Catalog;

export type S3ErrorCode = keyof typeof S3_ERRORS;
export type StsErrorCode = keyof typeof STS_ERRORS;

export function s3Error(code: S3ErrorCode, message?: string, fields?: Record<string, string>): AwsError {
  const [status, defaultMessage] = S3_ERRORS[code];
  return new AwsError(code, status, message ?? defaultMessage, fields);
}

export function stsError(code: StsErrorCode, message?: string): AwsError {
  const [status, defaultMessage] = STS_ERRORS[code];
  return new AwsError(code, status, message ?? defaultMessage);
}
