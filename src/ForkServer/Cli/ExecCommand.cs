using System.CommandLine;
using ForkServer.Models;

namespace ForkServer.Cli;

/// <summary>
/// <c>forkserver exec [serve options] -- PROGRAM [ARGS...]</c>: a super-server, as inetd and tcpserver are: for each
/// client a child with the connection as its standard input and output runs PROGRAM. Everything after <c>--</c> is
/// the program's, untouched (an argument such as <c>-c</c> or <c>@file</c> is not read as the server's).
/// </summary>
public static class ExecCommand
{
    public static Command Create()
    {
        var command = new Command("exec", "Run PROGRAM for each client, the connection as its standard input and output, with the UCSPI-TCP environment (as tcpserver and inetd do): forkserver exec --port 5090 -- cat");
        var program = new Argument<string[]>("PROGRAM") { Description = "The program to run, looked up on PATH, and its arguments (after --)", Arity = ArgumentArity.OneOrMore };
        var stderrToClient = new Option<bool>("--stderr-to-client") { Description = "The program's standard error goes to the client too (by default it is the server's)" };
        var envClean = new Option<bool>("--env-clean") { Description = "Start the program's environment empty, with only PROTO and the TCP* variables" };
        command.Arguments.Add(program);
        command.Options.Add(stderrToClient);
        command.Options.Add(envClean);
        return ServeCommand.Configure(command, (parsed, options) =>
        {
            string[] words = parsed.GetValue(program)!;
            return options with { Exec = new ExecOptions(words[0], words[1..], parsed.GetValue(stderrToClient), parsed.GetValue(envClean)) };
        });
    }
}
