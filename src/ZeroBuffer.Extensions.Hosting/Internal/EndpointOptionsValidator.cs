using Microsoft.Extensions.Options;

namespace ZeroBuffer.Extensions.Hosting.Internal;

/// <summary>
/// Validates the named options of every registered endpoint of one kind (run at startup through
/// <c>ValidateOnStart</c>); options of names that are not endpoints of that kind are skipped.
/// </summary>
internal sealed class EndpointOptionsValidator<TOptions>(EndpointRegistry registry) : IValidateOptions<TOptions>
    where TOptions : ZeroBufferEndpointOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name is null || !registry.TryGet(name, options.Kind, out EndpointRegistration registration))
        {
            return ValidateOptionsResult.Skip;
        }

        var problems = new OptionsProblems(registration.SectionPath);
        options.Validate(name, problems);
        return problems.Failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Failures);
    }
}
