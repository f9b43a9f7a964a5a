import DNICommandLine

DNICommand.runAsMain()
