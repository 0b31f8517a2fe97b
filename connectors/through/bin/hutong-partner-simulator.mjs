#!/usr/bin/env node
import "../dist/simulator/simulator-main.js";
