// A frame service on the .NET generic host: "consume" (the default) runs a hosted reader that
// creates buffer cam0 from appsettings.json (ZeroBuffer:Readers:cam0) and logs the frame rate;
// "produce" runs a hosted writer (ZeroBuffer:Writers:cam0) fed by a synthetic camera. Start them
// in either order, stop and restart either one: each side waits for the next peer. The health of
// each endpoint is logged every 10 s (HealthChecks:Publisher), without ASP.NET.
//
//   dotnet run --project examples/HostedFrameService &
//   dotnet run --project examples/HostedFrameService -- produce
//
// Any setting can be overridden on the command line: -- --ZeroBuffer:Readers:cam0:BufferName=cam1
using HostedFrameService;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory, // appsettings.json sits next to the program
});

if (args is ["produce", ..])
{
    builder.Services.AddZeroBuffer().AddWriter("cam0");
    builder.Services.Configure<CameraOptions>(builder.Configuration.GetSection("Camera"));
    builder.Services.AddHostedService<SyntheticCamera>();
}
else
{
    builder.Services.AddZeroBuffer().AddReader<FrameRateLogger>("cam0");
}

builder.Services.AddHealthChecks().AddZeroBufferChecks();
builder.Services.AddSingleton<IHealthCheckPublisher, HealthLog>();
builder.Services.Configure<HealthCheckPublisherOptions>(builder.Configuration.GetSection("HealthChecks:Publisher"));

await builder.Build().RunAsync();
