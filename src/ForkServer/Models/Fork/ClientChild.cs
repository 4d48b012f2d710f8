using ForkServer.Interop;
using ForkServer.Supervision;

namespace ForkServer.Models.Fork;

/// <summary>
/// What a child forked for one client does with it, and how the log names it: the one thing in which the fork, spawn
/// and exec models differ. <see cref="Run"/> gets the connected socket's descriptor in the child and returns the
/// child's exit status (or does not return, having exec'd); <see cref="Prepare"/> runs in the parent just before each
/// fork (the spawn model lays out the child's command line there, so the child allocates nothing).
/// </summary>
/// <param name="Role">How the supervisor lists the child.</param>
/// <param name="Verb">The log's word for making it: "forked", "spawned".</param>
/// <param name="Attributes">The child's start-up: its name, the signals it keeps ignored.</param>
/// <param name="Run">The child's work on the client's descriptor; returns the exit status.</param>
/// <param name="Meaning">What an exit status means, for the line that reports the reaping.</param>
/// <param name="Prepare">The parent's step before each fork, with the client; null for none.</param>
/// <param name="Rehearse">Under the JIT, the parent's run of the calls <see cref="Run"/> makes that nothing else in
/// the parent makes (the exec path), with arguments that change nothing; null for none.</param>
/// <param name="Doing">What the log adds after the client when the child is made (": exec cat"); null for nothing.</param>
/// <param name="Pool">Children started ahead, to which the loop hands each client instead of forking for it; the
/// descriptor <see cref="Run"/> gets is then the child's end of its channel. Null: a fork per client.</param>
public sealed record ClientChild(
    ChildRole Role,
    string Verb,
    ChildAttributes Attributes,
    Func<int, int> Run,
    Func<WaitStatus, string?> Meaning,
    Action<ClientArrival>? Prepare = null,
    Action? Rehearse = null,
    string? Doing = null,
    ChildPool? Pool = null);

/// <summary>A client just accepted: its socket, its address, and how many clients of its source are being served counting it.</summary>
public readonly record struct ClientArrival(int Fd, PeerAddress Peer, int FromSameSource);
