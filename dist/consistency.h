// dist/consistency.h: checks that the ranks of a data-parallel job agree,
// so that a mistake on one rank is an error on every rank, never a hang or
// a silent divergence.
//
// A data-parallel job only works when every rank runs the same model with
// the same options, and a collective only completes when every rank calls
// it. Both checks below are collectives: every rank calls them at the same
// point, and every rank gets the same answer.
//  - CheckSameOnEveryRank() compares a fingerprint (a text describing the
//    graph and the options, one item per line) across ranks with an
//    allgather. A mismatch names the ranks that differ and the first line
//    where they differ from rank 0.
//  - AgreeOnStatus() shares each rank's local status, so that a failure on
//    one rank (it cannot read its data) stops every rank, each reporting
//    the failing rank.
//
// Example:
//   RETURN_IF_ERROR(AgreeOnStatus(comm, LoadMyShard(&data)));
//   RETURN_IF_ERROR(CheckSameOnEveryRank(comm, "model and options",
//                                        Fingerprint(graph, options)));
#ifndef DAGRAD_DIST_CONSISTENCY_H_
#define DAGRAD_DIST_CONSISTENCY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "dist/communicator.h"

namespace dagrad {

// CheckSameOnEveryRank() returns OK on every rank when every rank passed
// the same `fingerprint`; else FailedPrecondition, on every rank:
//   "<what> differ across ranks: rank 1 differs from rank 0 at line 3:
//    'batch_size=32' vs 'batch_size=64'"
// A failed allgather is its Status (naming the rank and the call).
absl::Status CheckSameOnEveryRank(Communicator* comm, absl::string_view what,
                                  const std::string& fingerprint);

// AgreeOnStatus() returns OK on every rank when `mine` is OK on every rank.
// Otherwise every rank returns the status of the lowest failing rank, with
// its code and its message prefixed by "rank R: " (unless it already starts
// so), and naming how many ranks failed.
absl::Status AgreeOnStatus(Communicator* comm, const absl::Status& mine);

// ExitSoonIfStuck() is for a rank that leaves a job of several ranks with an
// error the others may not share: they may wait in a collective for it
// forever, and MPI_Finalize (at exit) waits for them. It arms a timer that,
// `seconds` from now, ends the process with `exit_code` without finalizing
// MPI, which makes mpirun end the whole job, non-zero. A job whose ranks
// all reach exit in time ends normally. No effect on a one-process job.
void ExitSoonIfStuck(const Communicator& comm, int exit_code, int seconds);

}  // namespace dagrad

#endif  // DAGRAD_DIST_CONSISTENCY_H_
