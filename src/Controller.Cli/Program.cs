using Controller.Cli;

return await CliApp.RunAsync(args);
