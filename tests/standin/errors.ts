/**
 * CloudStack's error codes (ApiErrorCode) and the exception-class codes
 * (CSExceptionErrorCode) the stand-in answers with. The HTTP status of an
 * error response equals its `errorcode`.
 */
export const UNAUTHORIZED = 401;
export const METHOD_NOT_ALLOWED = 405;
export const PARAM_ERROR = 431;
export const UNSUPPORTED_ACTION_ERROR = 432;
export const INTERNAL_ERROR = 530;
export const ACCOUNT_ERROR = 531;

const CS_INVALID_PARAMETER = 4350;
const CS_CLOUD_RUNTIME = 4250;
const CS_PERMISSION_DENIED = 4365;
const CS_SERVER_API = 9999;

export class ApiError extends Error {
    constructor(
        readonly code: number,
        message: string,
        readonly cserrorcode?: number,
    ) {
        super(message);
    }
}

/** InvalidParameterValueException → 431. */
export const paramError = (text: string) => new ApiError(PARAM_ERROR, text, CS_INVALID_PARAMETER);
/** CloudRuntimeException and other unchecked exceptions → 530. */
export const internalError = (text: string) => new ApiError(INTERNAL_ERROR, text, CS_CLOUD_RUNTIME);
/** PermissionDeniedException → 531. */
export const permissionError = (text: string) => new ApiError(ACCOUNT_ERROR, text, CS_PERMISSION_DENIED);
/** A ServerApiException thrown by the command itself (e.g. createStoragePool wraps everything). */
export const serverApiError = (code: number, text: string) => new ApiError(code, text, CS_SERVER_API);

export const AUTH_FAILED_TEXT = "unable to verify user credentials and/or request signature";

export function missingParameter(command: string, name: string): ApiError {
    return new ApiError(PARAM_ERROR, `Unable to execute API command ${command.toLowerCase()} due to missing parameter ${name}`, CS_SERVER_API);
}

export function invalidUuid(command: string, name: string, value: string): ApiError {
    return new ApiError(
        PARAM_ERROR,
        `Unable to execute API command ${command.toLowerCase()} due to invalid value. Invalid parameter ${name} value=${value} due to incorrect long value format, ` +
            "or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.",
        CS_SERVER_API,
    );
}
