// The system MPI (Open MPI: Debian libopenmpi-dev, Homebrew open-mpi), for the DNIMPI target.
// Built only with the package trait `MPI` (`swift build --traits MPI`).
//
// Open MPI defines its predefined handles as macros over addresses of global objects
// (`#define MPI_COMM_WORLD OMPI_PREDEFINED_GLOBAL(MPI_Comm, ompi_mpi_comm_world)`), and its
// sentinels as casts (`#define MPI_STATUS_IGNORE ((MPI_Status *) 0)`); Swift imports neither.
// These accessors return them as ordinary values, so that Swift can call `cmpi_comm_world()`.
#ifndef CMPI_SHIM_H
#define CMPI_SHIM_H

#include <mpi.h>

/// The communicator of every rank of the job (MPI_COMM_WORLD).
static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
/// The invalid communicator (MPI_COMM_NULL).
static inline MPI_Comm cmpi_comm_null(void) { return MPI_COMM_NULL; }
/// 32-bit IEEE float elements (MPI_FLOAT).
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
/// Untyped bytes (MPI_BYTE).
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
/// 64-bit signed integers (MPI_INT64_T).
static inline MPI_Datatype cmpi_int64(void) { return MPI_INT64_T; }
/// Receive from any sender (MPI_ANY_SOURCE).
static inline int cmpi_any_source(void) { return MPI_ANY_SOURCE; }
/// Receive with any tag (MPI_ANY_TAG).
static inline int cmpi_any_tag(void) { return MPI_ANY_TAG; }
/// "Do not fill a status" (MPI_STATUS_IGNORE).
static inline MPI_Status *cmpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
/// The completed or inactive request (MPI_REQUEST_NULL).
static inline MPI_Request cmpi_request_null(void) { return MPI_REQUEST_NULL; }
/// The error handler that returns error codes instead of aborting (MPI_ERRORS_RETURN).
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
/// Longest processor name MPI_Get_processor_name writes, without the terminating zero.
static inline int cmpi_max_processor_name(void) { return MPI_MAX_PROCESSOR_NAME; }
/// Longest error string MPI_Error_string writes, without the terminating zero.
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
/// The sender of a completed receive (status.MPI_SOURCE).
static inline int cmpi_status_source(const MPI_Status *status) { return status->MPI_SOURCE; }
/// The tag of a completed receive (status.MPI_TAG).
static inline int cmpi_status_tag(const MPI_Status *status) { return status->MPI_TAG; }
/// The error code of a completed request (status.MPI_ERROR).
static inline int cmpi_status_error(const MPI_Status *status) { return status->MPI_ERROR; }

#endif
