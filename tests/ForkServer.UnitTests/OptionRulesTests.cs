using System.CommandLine;
using ForkServer.Cli;

namespace ForkServer.UnitTests;

public sealed class OptionRulesTests
{
    private static string? FirstError(Option option, params string[] args)
    {
        var root = new RootCommand { option };
        var parsed = root.Parse(args);
        return parsed.Errors.Count == 0 ? null : parsed.Errors[0].Message;
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("99999999999")]
    [InlineData("-1")]
    [InlineData("65536")]
    [InlineData("1e3")]
    [InlineData("")]
    public void AWholeNumberOutsideItsRangeIsOneLineNamingOptionValueAndRange(string value)
    {
        var port = OptionRules.WholeNumber("--port", "Port", 50007, 0, 65535);
        Assert.Equal($"--port: '{value}' is not a whole number from 0 to 65535", FirstError(port, "--port", value));
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("65535", 65535)]
    [InlineData("+80", 80)]
    public void AWholeNumberInItsRangeIsTaken(string value, int expected)
    {
        var port = OptionRules.WholeNumber("--port", "Port", 50007, 0, 65535);
        var root = new RootCommand { port };
        Assert.Equal(expected, root.Parse(["--port", value]).GetValue(port));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1e20")]
    [InlineData("Infinity")]
    [InlineData("NaN")]
    [InlineData("0.0000001")]
    [InlineData("-2")]
    public void SecondsThatDoNotParseOverflowOrMeanSomethingElseAreRefused(string value)
    {
        var idle = OptionRules.Seconds("--idle-timeout", "Idle", 300, 0.001, 31536000);
        Assert.Equal($"--idle-timeout: '{value}' is not a number of seconds from 0.001 to 31536000", FirstError(idle, "--idle-timeout", value));
    }

    [Fact]
    public void SecondsMayHaveADecimalPoint()
    {
        var grace = OptionRules.Seconds("--grace", "Grace", 10, 0, 60);
        var root = new RootCommand { grace };
        Assert.Equal(0.5, root.Parse(["--grace", "0.5"]).GetValue(grace));
    }

    [Fact]
    public void AChoiceNamesTheWordsItTakes()
    {
        var reap = OptionRules.Choice("--reap", "Reap", "signal", ["signal", "accept", "none", "ignore"]);
        Assert.Equal("--reap: 'sometimes' is not one of signal, accept, none, ignore", FirstError(reap, "--reap", "sometimes"));
    }
}
