import { render } from 'preact'
import { App } from './app.js'
import { readPageConfig } from './page-config.js'
import './style.css'

render(<App config={readPageConfig()} />, document.getElementById('app')!)
