using System.CommandLine;
using ForkServer.Demos;

namespace ForkServer.Cli;

/// <summary><c>forkserver quiz</c>: generated exercises, each with its answer shown by running it for real.</summary>
public static class QuizCommand
{
    public static Command Create()
    {
        var seed = OptionRules.WholeNumber("--seed", "Which exercise: the same seed gives the same one", 0, 0, int.MaxValue, "-s");
        var actions = OptionRules.WholeNumber("--actions", "How many forks and exits", 5, 1, 20, "-a");
        var solve = new Option<bool>("--solve", "-c") { Description = "Show the answer, then run the actions for real and print the tree /proc shows" };
        var hold = OptionRules.Seconds("--hold", "With --solve: seconds to keep the final tree alive, to look at it with ps or pstree", 0, 0, 3600);
        var fork = new Command("fork", "A short program of forks and exits (OSTEP's fork.py homework): predict the final process tree") { seed, actions, solve, hold };
        fork.SetAction(parsed => ForkQuiz.Run(parsed.GetValue(seed), parsed.GetValue(actions), parsed.GetValue(solve), TimeSpan.FromSeconds(parsed.GetValue(hold))));
        var quiz = new Command("quiz", "Generated exercises about processes, with --solve to see the answer happen");
        quiz.Subcommands.Add(fork);
        return quiz;
    }
}
