// Command projects is the Lambda that serves projects and their members.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartAPIFunction("projects", false) }
